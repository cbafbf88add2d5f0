/*
 * jvs-init: executes a jvs launch program between fork and exec, then stays as the
 * guest's monitor (reaps, records the exit status, forwards signals, relays a pty).
 *
 *   jvs-init SOCKET_PATH
 *
 * The contract is docs/launch-program.md. This file holds no policy, no defaults and no
 * guest paths: Java decides everything and sends a flat list of operations. (The client of
 * the jvs service is a program of its own: native/jvs-client.c.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <net/if.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/openat2.h>

#include "lines.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#endif
#define FS_SET_STRING 1       /* FSCONFIG_SET_STRING */
#define FS_CMD_CREATE 6       /* FSCONFIG_CMD_CREATE */
#define FS_ATTR_NOSUID 0x02   /* MOUNT_ATTR_NOSUID */
#define TREE_CLONE 1                /* OPEN_TREE_CLONE */
#define TREE_EMPTY_PATH 0x1000      /* AT_EMPTY_PATH */
#define TREE_ATTR_IDMAP 0x00100000  /* MOUNT_ATTR_IDMAP */
#define TREE_F_EMPTY_PATH 0x04      /* MOVE_MOUNT_F_EMPTY_PATH */
#define TREE_T_SYMLINKS 0x10        /* MOVE_MOUNT_T_SYMLINKS */
#define TREE_T_EMPTY_PATH 0x40      /* MOVE_MOUNT_T_EMPTY_PATH */
#define MAX_TREES 8
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_restrict_self 446
#endif

#define MAXF 5                 /* most fields an operation has (mount) */

struct op;
enum where { MON, CLONE, CHILD };
struct opdef {
	const char *name;
	int nf;       /* number of fields */
	unsigned num; /* bit i set: field i is a number */
	enum where where;
	int (*run)(struct op *); /* 0, or -1 with errno set */
};
struct op {
	char *line;                 /* the line as read, which the fields point into; ours */
	const struct opdef *def;
	int q;                      /* '?' prefix: ENOENT is not an error */
	char *f[MAXF];              /* percent-decoded fields */
	size_t len[MAXF];           /* decoded lengths (write DATA may hold NUL bytes) */
	unsigned long long n[MAXF]; /* numeric fields, parsed when the program is read */
};

static struct op *prog;
static int nops;
static int sock = -1;

/* What the monitor operations set up. */
static int status_dir = -1;
static char status_name[NAME_MAX + 1]; /* copied: the program is freed once the child runs */
static int pty_idx = -1, master = -1, slave = -1;
static struct op *uid_op, *gid_op;
static struct op *trees[MAX_TREES]; /* `idmap-tree`: made after the maps, sent to the child */
static int ntrees, tree_sock[2] = { -1, -1 };
static int release; /* `release`: let go of the child once it reports `wait` or `ok` */
static int parent_fd = -1; /* with `release`: a pidfd of our parent, the runtime process */
static struct op *console_op; /* `console-socket`: hand the pty master over, no relay */
static int console_fd = -1;   /* connected when the operation runs, before any `join` */

/* The child and the channels to it. */
static pid_t child;
static int reaped, child_status;
static int go_pipe[2], err_pipe[2], sigfd;
static sigset_t oldmask;
static struct sigaction old_pipe, old_chld;
static enum { WAIT_GO, WAIT_EXEC, RUNNING, RELEASED } state;

/* argv and env, accumulated by the child. */
static char **args, **envs;
static int nargs, nenvs;

static struct termios saved_tty;
static int tty_raw;

/* ---------- helpers ---------- */

static void say(const char *fmt, ...)
{
	char b[80];
	va_list ap;
	int n;

	if (sock < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b, sizeof b - 1, fmt, ap);
	va_end(ap);
	b[n++] = '\n';
	/* Never block or die on the socket: Java may have stopped listening. */
	if (send(sock, b, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		sock = -1;
}

/* close(FD) without losing the errno that goes with R. */
static int close_keep(int fd, int r)
{
	int e = errno;

	close(fd);
	errno = e;
	return r;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EAGAIN) { /* stdout may be a caller's non-blocking file */
			poll(&(struct pollfd){ .fd = fd, .events = POLLOUT }, 1, -1);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* Open PATH write-only and write DATA: proc and sysfs knobs, id maps. */
static int write_file(const char *path, const char *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	return fd < 0 ? -1 : close_keep(fd, write_all(fd, data, n));
}

static int push(char ***v, int *n, char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof *nv);

	if (!nv)
		return -1;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int einval(void)
{
	errno = EINVAL;
	return -1;
}

/* ---------- paths inside the guest's root ----------
 *
 * A path that does not start with '/' lies inside the root opened by the last `root`
 * operation and is resolved as the guest would see it: symlinks, ".." and absolute link
 * targets stay inside that root (openat2 RESOLVE_IN_ROOT) and /proc magic links are refused,
 * so nothing a guest planted in its tree can steer an operation onto the host. */

static int root_fd = -1;

static int open_in_root_how(const char *path, int flags, mode_t mode, unsigned long long resolve)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .mode = mode,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve };
	int fd;

	if (root_fd < 0)
		return einval(); /* a relative path without a `root`: a program error */
	do /* EAGAIN: a rename or mount raced with the walk; try again */
		fd = syscall(SYS_openat2, root_fd, path, &how, sizeof how);
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	return fd;
}

static int open_in_root(const char *path, int flags, mode_t mode)
{
	return open_in_root_how(path, flags, mode, 0);
}

/* The directory PATH (relative) inside the root, made (0755) with its missing parents when
 * CREATE is set. An existing non-directory fails with EEXIST, as mkdir(2) would. */
static int dir_in_root(char *path, int create)
{
	int fd = open_in_root(path, O_PATH | O_DIRECTORY, 0), parent;
	char *slash;

	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		parent = dir_in_root(path, 1);
		*slash = '/';
	} else {
		parent = dup(root_fd);
	}
	if (parent < 0)
		return -1;
	if (mkdirat(parent, slash ? slash + 1 : path, 0755) < 0 && errno != EEXIST)
		return close_keep(parent, -1);
	close(parent);
	fd = open_in_root(path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0 && errno == ENOENT)
		errno = EEXIST; /* a dangling symlink where a directory belongs */
	return fd;
}

/* The directory holding PATH's last component (made with its parents), that component in
 * *NAME; for PATH relative to the root. */
static int parent_in_root(char *path, const char **name)
{
	char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		*name = path;
		return dup(root_fd);
	}
	*slash = '\0';
	fd = dir_in_root(path, 1);
	*slash = '/';
	*name = slash + 1;
	return fd;
}

/* A path the kernel can be handed for PATH: itself when absolute (a host path, or after
 * `pivot-root`), else /proc/self/fd/N of PATH opened inside the root (*FD, to close); with
 * STRICT no symlink may lie on the way (ELOOP). */
static const char *in_root_how(const char *path, char *buf, size_t n, int *fd, int strict)
{
	*fd = -1;
	if (path[0] == '/')
		return path;
	*fd = open_in_root_how(path, O_PATH, 0, strict ? RESOLVE_NO_SYMLINKS : 0);
	if (*fd < 0)
		return NULL;
	snprintf(buf, n, "/proc/self/fd/%d", *fd);
	return buf;
}

static const char *in_root(const char *path, char *buf, size_t n, int *fd)
{
	return in_root_how(path, buf, n, fd, 0);
}

/* ---------- child operations (after `go`, in the child) ---------- */

/* An id must fit uid_t/gid_t: a silently truncated 2^32 would be root. -1 (all ones)
 * passes, meaning "unchanged" as in setresuid(2). */
static int id_ok(unsigned long long v)
{
	return v <= 0xffffffffULL || v == ~0ULL ? 1 : (errno = EINVAL, 0);
}

static const char *or_null(struct op *o, int i) { return o->len[i] ? o->f[i] : NULL; }
static int op_unshare(struct op *o) { return unshare(o->n[0]); }
static int op_sethostname(struct op *o) { return sethostname(o->f[0], strlen(o->f[0])); }
static int op_setdomainname(struct op *o) { return setdomainname(o->f[0], strlen(o->f[0])); }

/* `loopback-up`: the new network namespace's lo up, as every network stack needs it. */
static int op_loopback_up(struct op *o)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)o;
	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return close_keep(fd, -1);
	ifr.ifr_flags |= IFF_UP;
	return close_keep(fd, ioctl(fd, SIOCSIFFLAGS, &ifr));
}
/* `open-fd PATH FD`: PATH opened read-only as fd FD, left open across the exec (how criu gets
 * the network namespace jvs made for a restore: `--inherit-fd fd[FD]:KEY`). */
static int op_open_fd(struct op *o)
{
	int fd = open(o->f[0], O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fd == (int)o->n[1])
		return fcntl(fd, F_SETFD, 0);
	if (dup2(fd, (int)o->n[1]) < 0) /* dup2 leaves the new fd open across exec */
		return close_keep(fd, -1);
	return close(fd);
}
static int op_setsid(struct op *o) { (void)o; return setsid() < 0 ? -1 : 0; }
static int op_pdeathsig(struct op *o) { return prctl(PR_SET_PDEATHSIG, o->n[0], 0, 0, 0); }
static int op_no_new_privs(struct op *o) { (void)o; return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
static int op_keep_caps(struct op *o) { (void)o; return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0); }
static int op_umask(struct op *o) { umask(o->n[0]); return 0; }
static int op_env(struct op *o) { return push(&envs, &nenvs, o->f[0]); }
static int op_arg(struct op *o) { return push(&args, &nargs, o->f[0]); }

/* Changed credentials may make us dumpable again (fs.suid_dumpable): nobody may ptrace or
 * open /proc/self/{exe,fd} of this host process until the guest's program has replaced it. */
static int undumpable(int r)
{
	int e = errno;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NAME, "jvs-init", 0, 0, 0); /* an exec's monitor is started as /proc/self/exe */
	errno = e;
	return r;
}

/* `root PATH`: the root that relative paths of later operations resolve in. */
static int op_root(struct op *o)
{
	int fd = open(o->f[0], O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (root_fd >= 0)
		close(root_fd);
	root_fd = fd;
	return 0;
}

static int op_mount(struct op *o)
{
	char sbuf[32], tbuf[32];
	const char *src = or_null(o, 0), *target;
	int sfd = -1, tfd, r;

	/* only a bind or move takes a path as its source; others take a name ("proc") */
	if (src && (o->n[3] & (MS_BIND | MS_MOVE)) && !(src = in_root(src, sbuf, sizeof sbuf, &sfd)))
		return -1;
	/* procfs and sysfs only on a path without symlinks (runc's rule since CVE-2019-19921):
	 * the masks and read-only binds that follow must land on them, not beside them. */
	target = in_root_how(o->f[1], tbuf, sizeof tbuf, &tfd,
			     o->len[2] && (!strcmp(o->f[2], "proc") || !strcmp(o->f[2], "sysfs")));
	r = target ? mount(src, target, or_null(o, 2), o->n[3], or_null(o, 4)) : -1;
	if (tfd >= 0)
		close_keep(tfd, 0);
	if (sfd >= 0)
		close_keep(sfd, 0);
	return r;
}

static int op_umount(struct op *o)
{
	char buf[32];
	int fd, r;
	const char *target = in_root(o->f[0], buf, sizeof buf, &fd);

	r = target ? umount2(target, o->n[1]) : -1;
	return fd >= 0 ? close_keep(fd, r) : r;
}

static int op_setgid(struct op *o)
{
	gid_t g = o->n[0];

	return undumpable(id_ok(o->n[0]) ? setresgid(g, g, g) : -1);
}

static int op_setuid(struct op *o)
{
	uid_t u = o->n[0];

	return undumpable(id_ok(o->n[0]) ? setresuid(u, u, u) : -1);
}

/* Run AT(dirfd, name, o) on PATH: the host path itself, or its parent inside the root. */
static int at_path(struct op *o, char *path, int (*at)(int, const char *, struct op *))
{
	const char *name;
	int dir, r;

	if (path[0] == '/')
		return at(AT_FDCWD, path, o);
	dir = parent_in_root(path, &name);
	if (dir < 0)
		return -1;
	r = at(dir, name, o);
	return close_keep(dir, r);
}

static int mknod_at(int dir, const char *name, struct op *o)
{
	return mknodat(dir, name, o->n[1], makedev(o->n[2], o->n[3]));
}

static int symlink_at(int dir, const char *name, struct op *o)
{
	return symlinkat(o->f[0], dir, name);
}

static int mkdir_at(int dir, const char *name, struct op *o)
{
	return mkdirat(dir, name, o->n[1]);
}

static int touch_at(int dir, const char *name, struct op *o)
{
	/* O_EXCL: never open (and so never trigger) an existing device, nor follow a link */
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, o->n[1]);

	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	return close(fd);
}

static int op_mknod(struct op *o) { return at_path(o, o->f[0], mknod_at); }
static int op_symlink(struct op *o) { return at_path(o, o->f[1], symlink_at); }
static int op_touch(struct op *o) { return at_path(o, o->f[0], touch_at); }

static int op_mkdir(struct op *o)
{
	struct stat st;
	int r = at_path(o, o->f[0], mkdir_at), fd;

	if (r == 0 || errno != EEXIST)
		return r;
	/* It exists: fine if it is a directory, inside the root also a symlink to one there. */
	if (o->f[0][0] == '/')
		return stat(o->f[0], &st) == 0 && S_ISDIR(st.st_mode) ? 0 : (errno = EEXIST, -1);
	fd = open_in_root(o->f[0], O_PATH | O_DIRECTORY, 0);
	return fd < 0 ? (errno = EEXIST, -1) : close(fd);
}

static int op_write(struct op *o)
{
	int fd;

	if (o->f[0][0] == '/')
		return write_file(o->f[0], o->f[1], o->len[1]);
	fd = open_in_root(o->f[0], O_WRONLY | O_NOCTTY, 0);
	return fd < 0 ? -1 : close_keep(fd, write_all(fd, o->f[1], o->len[1]));
}

/* Change to PATH: a host path, or inside the root ("." being the root itself). */
static int chdir_to(const char *path)
{
	int fd, r;

	if (path[0] == '/')
		return chdir(path);
	if (!strcmp(path, "."))
		return root_fd < 0 ? einval() : fchdir(root_fd);
	fd = open_in_root(path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return -1;
	r = fchdir(fd);
	return close_keep(fd, r);
}

static int op_chdir(struct op *o) { return chdir_to(o->f[0]); }

static int op_chroot(struct op *o)
{
	return chdir_to(o->f[0]) < 0 || chroot(".") < 0 ? -1 : chdir("/");
}

static int op_pivot_root(struct op *o)
{
	/* pivot_root(".", ".") stacks the old root on top of the new one; detaching "."
	 * then drops the old root without needing a directory to put it in. */
	if (chdir_to(o->f[0]) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0)
		return -1;
	return chdir("/");
}

static int op_rlimit(struct op *o)
{
	struct rlimit rl = { .rlim_cur = o->n[1], .rlim_max = o->n[2] };

	return setrlimit(o->n[0], &rl);
}

static int op_cap_bounding(struct op *o)
{
	for (int cap = 0; cap < 64; cap++)
		if (!(o->n[0] >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return errno == EINVAL ? 0 : -1; /* EINVAL: past the kernel's last cap */
	return 0;
}

static int op_capset(struct op *o)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	for (int i = 0; i < 2; i++) { /* v3 splits each 64-bit set into two 32-bit halves */
		d[i].effective = o->n[0] >> 32 * i;
		d[i].permitted = o->n[1] >> 32 * i;
		d[i].inheritable = o->n[2] >> 32 * i;
	}
	return undumpable(syscall(SYS_capset, &h, d));
}

static int op_cap_ambient(struct op *o)
{
	for (int cap = 0; cap < 64; cap++)
		if ((o->n[0] >> cap & 1) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -1;
	return 0;
}

/* `landlock-scope SCOPES`: the monitor enters a Landlock domain that restricts nothing but IPC
 * scopes (e.g. abstract unix sockets of processes outside it); the child, and every exec the
 * monitor serves (`exec-socket`), are born in it, so they reach each other's sockets. */
static int op_landlock_scope(struct op *o)
{
	struct { __u64 fs, net, scoped; } attr = { .scoped = o->n[0] }; /* Landlock ABI 6 */
	int fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);

	return fd < 0 ? -1 : close_keep(fd, syscall(SYS_landlock_restrict_self, fd, 0));
}

static int op_setgroups(struct op *o)
{
	char *s = o->f[0], *e;
	gid_t *g = malloc((strlen(s) / 2 + 1) * sizeof *g); /* "1,2,3": at most len/2+1 ids */
	size_t n = 0;

	if (!g)
		return -1;
	for (; *s; s = *e ? e + 1 : e) { /* "%" decodes to "": no groups at all */
		unsigned long long v;
		errno = 0;
		g[n++] = v = strtoull(s, &e, 0);
		if (errno || e == s || (*e && *e != ',') || (*e == ',' && !e[1]) ||
		    v > 0xffffffffULL)
			return einval();
	}
	return setgroups(n, g);
}

static int op_seccomp(struct op *o)
{
	size_t n = o->len[1] / 2;
	unsigned char *b = malloc(n + 1);
	struct sock_fprog fp = { .len = n / sizeof(struct sock_filter),
				 .filter = (struct sock_filter *)b };

	if (!b)
		return -1;
	/* HEX is the raw struct sock_filter array, 8 bytes per instruction */
	if (o->len[1] % (2 * sizeof(struct sock_filter)) || !n || fp.len != n / sizeof *fp.filter)
		return einval();
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(o->f[1][2 * i]), lo = hexval(o->f[1][2 * i + 1]);
		if (hi < 0 || lo < 0)
			return einval();
		b[i] = hi << 4 | lo;
	}
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)o->n[0], &fp);
}

/* Tell the monitor we are about to block (it says `wait INDEX`), then open the FIFO for
 * writing, which blocks until a reader opens it: the caller's "start" signal. */
static int op_wait_fifo(struct op *o)
{
	int msg[2] = { o - prog, -1 }, fd;

	if (write(err_pipe[1], msg, sizeof msg) < 0)
		return -1;
	do
		fd = open(o->f[0], O_WRONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -1 : close(fd);
}

/* `hook-state PATH`: read the container state that hooks get on stdin, while PATH is
 * reachable (before `pivot-root`). */
static char *hook_state;
static size_t hook_state_len;

static int op_hook_state(struct op *o)
{
	int fd = open(o->f[0], O_RDONLY | O_CLOEXEC);
	char *b = NULL;
	size_t n = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		char *nb = realloc(b, n + 4096);
		ssize_t r;
		if (!nb)
			return close_keep(fd, -1);
		b = nb;
		do
			r = read(fd, b + n, 4096);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return close_keep(fd, -1);
		if (r == 0)
			break;
		n += r;
	}
	free(hook_state);
	hook_state = b;
	hook_state_len = n;
	return close(fd);
}

/* `hook PATH TIMEOUT`: run PATH with the argv and environment given since the last hook
 * (it consumes them) and the hook state on stdin, in our namespaces. A non-zero exit fails
 * with ECANCELED; a hook still running after TIMEOUT seconds (0: no limit) is killed and
 * fails with ETIMEDOUT. */
static int op_hook(struct op *o)
{
	static char *none[] = { NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	unsigned long long waited = 0; /* milliseconds */
	int in[2], status;
	pid_t pid, w;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return close_keep(in[0], close_keep(in[1], -1));
	if (pid == 0) {
		if (in[0] == 0 ? fcntl(0, F_SETFD, 0) < 0 : dup2(in[0], 0) < 0)
			_exit(127);
		execve(o->f[0], args ? args : none, envs ? envs : none);
		_exit(127);
	}
	close(in[0]);
	sigaction(SIGPIPE, &ign, &old); /* a hook need not read its stdin */
	if (hook_state_len)
		write_all(in[1], hook_state, hook_state_len); /* small: fits the pipe */
	sigaction(SIGPIPE, &old, NULL);
	close(in[1]);
	free(args);
	free(envs);
	args = envs = NULL;
	nargs = nenvs = 0;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
		if (o->n[1] && waited >= o->n[1] * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			errno = ETIMEDOUT;
			return -1;
		}
		poll(NULL, 0, 10);
		waited += 10;
	}
	if (w < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ECANCELED;
		return -1;
	}
	return 0;
}

static int op_exec(struct op *o)
{
	static char *none[] = { NULL };
	const char *file = o->f[0], *path = NULL;
	char *buf;
	int err = ENOENT;

	if (!args) /* empty lists, never NULL pointers */
		args = none;
	if (!envs)
		envs = none;
	if (strchr(file, '/'))
		return execve(file, args, envs);
	/* Search the PATH of the environment given to the guest, never our own. */
	for (int i = 0; i < nenvs; i++)
		if (!strncmp(envs[i], "PATH=", 5))
			path = envs[i] + 5;
	if (!path || !*file) {
		errno = ENOENT;
		return -1;
	}
	buf = malloc(strlen(path) + strlen(file) + 2);
	if (!buf)
		return -1;
	for (const char *p = path, *end;; p = end + 1) {
		end = strchrnul(p, ':');
		if (end == p) /* an empty entry is the current directory */
			strcpy(buf, file);
		else
			sprintf(buf, "%.*s/%s", (int)(end - p), p, file);
		execve(buf, args, envs);
		if (errno == EACCES)
			err = EACCES; /* as execvp: report EACCES if nothing better turns up */
		else if (errno != ENOENT && errno != ENOTDIR)
			return -1;
		if (!*end)
			break;
	}
	errno = err;
	return -1;
}

/* ---------- monitor operations (before `clone`, in the monitor) ---------- */

/* Open the directory of PATH (split in place; its last component in *NAME) now: a later
 * `join` changes our root. */
static int open_dir_of(char *path, char name[NAME_MAX + 1])
{
	char *slash = strrchr(path, '/');
	const char *dir = ".";

	if (slash) {
		*slash = '\0';
		dir = slash == path ? "/" : path;
	}
	if (snprintf(name, NAME_MAX + 1, "%s", slash ? slash + 1 : path) > NAME_MAX)
		return errno = ENAMETOOLONG, -1;
	if (!*name)
		return einval();
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int op_status_file(struct op *o)
{
	int fd = open_dir_of(o->f[0], status_name);

	if (fd < 0)
		return -1;
	if (status_dir >= 0)
		close(status_dir);
	status_dir = fd;
	return 0;
}

/* ---------- the console log: `log PATH SIZE FILES` ----------
 *
 * The child's stdout and stderr are a pipe that the monitor copies into PATH, so a guest
 * never holds a host file. When PATH reaches SIZE bytes (0: no limit) it is renamed PATH.1
 * (PATH.1 to PATH.2, …) and a new PATH begun; FILES files are kept in all, so the log takes
 * at most SIZE × FILES bytes of the host's disk. */

static int log_dir = -1, log_fd = -1, log_pipe[2] = { -1, -1 };
static char log_name[NAME_MAX + 1];
static unsigned long long log_max, log_files, log_size;

static void log_open(int flags)
{
	struct stat st;

	log_fd = openat(log_dir, log_name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
			O_CLOEXEC | O_NOCTTY | flags, 0640);
	log_size = log_fd >= 0 && fstat(log_fd, &st) == 0 ? st.st_size : 0;
	if (log_fd >= 0) { /* the monitor's own messages go there too */
		dup2(log_fd, 1);
		dup2(log_fd, 2);
	}
}

static void log_rotate(void)
{
	char from[4096], to[4096];

	if (log_fd >= 0)
		close(log_fd);
	for (unsigned long long i = log_files - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof from, "%s", log_name);
		else
			snprintf(from, sizeof from, "%s.%llu", log_name, i - 1);
		snprintf(to, sizeof to, "%s.%llu", log_name, i);
		renameat(log_dir, from, log_dir, to); /* ENOENT: not that many files yet */
	}
	log_open(log_files <= 1 ? O_TRUNC : 0);
}

static void log_write(const char *p, size_t n)
{
	while (n > 0) {
		size_t chunk = n;
		if (log_max) {
			if (log_size >= log_max)
				log_rotate();
			if (chunk > log_max - log_size)
				chunk = log_max - log_size;
		}
		if (log_fd >= 0 && write_all(log_fd, p, chunk) < 0) { /* ENOSPC: drop, go on */
			close(log_fd);
			log_fd = -1;
		}
		log_size += chunk;
		p += chunk;
		n -= chunk;
	}
}

/* Copy what the pipe holds; 0 at EOF (every writer gone). */
static int log_relay(void)
{
	char b[65536];
	ssize_t n;

	while ((n = read(log_pipe[0], b, sizeof b)) > 0)
		log_write(b, n);
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(log_pipe[0]);
		log_pipe[0] = -1;
		return 0;
	}
	return 1;
}

static int op_log(struct op *o)
{
	log_dir = open_dir_of(o->f[0], log_name);
	if (log_dir < 0)
		return -1;
	log_max = o->n[1];
	log_files = o->n[2] ? o->n[2] : 1;
	log_open(0);
	if (log_fd < 0 || pipe2(log_pipe, O_CLOEXEC) < 0)
		return -1;
	return fcntl(log_pipe[0], F_SETFL, O_NONBLOCK);
}

/* ---------- `exec-socket NAME`: runs for `jvs exec` come from the monitor ----------
 *
 * The monitor listens on NAME in its status file's directory (mode 0600). A caller (root only) connects and sends the path of
 * its control socket with three fds, the new process's stdin, stdout and stderr (SCM_RIGHTS);
 * the monitor forks a fresh jvs-init on those fds, `jvs-init CONTROL_PATH`, which runs the
 * caller's exec program as usual, and answers `pid PID`. The exec is thus a descendant of the
 * guest's monitor: in its Landlock domain, never the caller's. */

static int exec_sock = -1;

/* `exec-socket NAME`: in the status file's directory, whatever the length of its path. */
static int op_exec_socket(struct op *o)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	mode_t old;
	int r;

	if (status_dir < 0 || strchr(o->f[0], '/'))
		return einval();
	if (snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/%s", status_dir, o->f[0]) >=
	    (int)sizeof a.sun_path)
		return errno = ENAMETOOLONG, -1;
	exec_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (exec_sock < 0 || (unlinkat(status_dir, o->f[0], 0) < 0 && errno != ENOENT))
		return -1;
	old = umask(077);
	r = bind(exec_sock, (struct sockaddr *)&a, sizeof a);
	umask(old);
	return r < 0 ? -1 : listen(exec_sock, 16);
}

/* One caller: its control path and three fds; -1 if it is not root or says nonsense. */
static int read_exec_request(int conn, char *path, size_t n, int fds[3])
{
	char ctl[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { .iov_base = path, .iov_len = n - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof ctl };
	struct timeval tv = { .tv_sec = 2 }; /* a stalled caller must not stall the guest */
	struct ucred cred;
	socklen_t len = sizeof cred;
	struct cmsghdr *c;
	ssize_t r;

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0 ||
	    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		return -1;
	r = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
	c = r > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(3 * sizeof(int))) {
		if (c && c->cmsg_type == SCM_RIGHTS) /* the wrong number: close what came */
			for (int *f = (int *)CMSG_DATA(c);
			     (char *)f < (char *)c + c->cmsg_len; f++)
				close(*f);
		return -1;
	}
	memcpy(fds, CMSG_DATA(c), 3 * sizeof(int));
	path[r] = '\0';
	if (memchr(path, '\0', r) || path[0] != '/') { /* one absolute path, no NUL in it */
		for (int i = 0; i < 3; i++)
			close(fds[i]);
		return -1;
	}
	return 0;
}

static void serve_exec(void)
{
	extern char **environ;
	char path[4096], reply[32];
	int conn = accept4(exec_sock, NULL, NULL, SOCK_CLOEXEC), fds[3];
	pid_t pid;

	if (conn < 0)
		return;
	if (read_exec_request(conn, path, sizeof path, fds) < 0) {
		close(conn);
		return;
	}
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "jvs-init", path, NULL };
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		sigaction(SIGPIPE, &old_pipe, NULL);
		sigaction(SIGCHLD, &old_chld, NULL);
		for (int i = 0; i < 3; i++)
			if (dup2(fds[i], i) < 0) /* dup2 clears close-on-exec on 0..2 */
				_exit(127);
		syscall(SYS_close_range, 3, ~0U, 0);
		/* ourselves afresh, with the domain and none of the guest's namespaces */
		execve("/proc/self/exe", argv, environ);
		_exit(127);
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	snprintf(reply, sizeof reply, "pid %d\n", pid < 0 ? -1 : (int)pid);
	write_all(conn, reply, strlen(reply));
	close(conn);
}

static int op_pty(struct op *o) { pty_idx = o - prog; return 0; } /* opened at clone time */

/* The relays between our stdio and the child's terminal or pipes (see "relays" below). */
struct relay {
	int from, to; /* `to` -1: that direction is over */
	size_t off, len;
	int eof;
	char d[4096];
};
enum { R_IN, R_OUT, R_ERR, R_N };
static struct relay relays[R_N] = { { -1, -1, 0, 0, 1, "" }, { -1, -1, 0, 0, 1, "" },
				    { -1, -1, 0, 0, 1, "" } };
static int child_stdio[3] = { -1, -1, -1 };

static int open_pipes(void);
static int op_stdio_pipes(struct op *o) { (void)o; return open_pipes(); }

/* `pipe-owner UID GID`: the pipes made so far for the child (log, stdio-pipes) become these
 * host ids', so that a child in a user namespace may reopen them (/dev/stdout). Before any
 * `join`: in the guest's user namespace host root's pipes could no longer be given away. */
static int op_pipe_owner(struct op *o)
{
	int fds[4] = { child_stdio[0], child_stdio[1], child_stdio[2], log_pipe[1] };

	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0 && fchown(fds[i], (uid_t)o->n[0], (gid_t)o->n[1]) < 0)
			return -1;
	return 0;
}

static int op_uid_map(struct op *o) { uid_op = o; return 0; }
static int op_gid_map(struct op *o) { gid_op = o; return 0; }

static int op_idmap_tree(struct op *o)
{
	if (ntrees == MAX_TREES)
		return errno = E2BIG, -1;
	trees[ntrees++] = o;
	return 0;
}

static int op_disk_tree(struct op *o) { return op_idmap_tree(o); } /* made with the trees */

/* `bind-tree PATH`: the mount at PATH alone, none below it (no AT_RECURSIVE), as it is. Cloned
 * by us, where the host's mounts below it are not locked to it as they are in the child's mount
 * namespace: there only a recursive bind could take it (an unprivileged guest's /sys). */
static int op_bind_tree(struct op *o) { return op_idmap_tree(o); }

/* `disk-tree DEV TYPE`: a new, detached mount of the filesystem on DEV (nosuid), made by us:
 * the kernel lets only host root mount a block device. */
static int new_disk_tree(struct op *o)
{
	int fs = syscall(SYS_fsopen, o->f[1], 1 /* FSOPEN_CLOEXEC */), tree;

	if (fs < 0)
		return -1;
	if (syscall(SYS_fsconfig, fs, FS_SET_STRING, "source", o->f[0], 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FS_CMD_CREATE, NULL, NULL, 0) < 0)
		return close_keep(fs, -1);
	tree = syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, FS_ATTR_NOSUID);
	return close_keep(fs, tree);
}

/* The tree of an `idmap-tree PATH` (a clone of the tree at PATH) or a `disk-tree`, idmapped
 * through the child's user namespace (only a process with CAP_SYS_ADMIN over the filesystem may
 * do that: we, not the child), or of a `bind-tree` as it is, sent to the child, which attaches
 * it in its own mount namespace (`attach-tree`). */
static int send_tree(struct op *o)
{
	char ns[64], ctl[CMSG_SPACE(sizeof(int))] = { 0 }, b = 't';
	struct { unsigned long long set, clr, propagation, userns_fd; } attr = { 0 };
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof ctl };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int tree, userns, r;

	snprintf(ns, sizeof ns, "/proc/%d/ns/user", (int)child);
	if (o->def->run == op_disk_tree)
		tree = new_disk_tree(o);
	else
		tree = syscall(SYS_open_tree, AT_FDCWD, o->f[0], TREE_CLONE | O_CLOEXEC);
	if (tree < 0)
		return -1;
	if (o->def->run != op_bind_tree) {
		userns = open(ns, O_RDONLY | O_CLOEXEC);
		if (userns < 0)
			return close_keep(tree, -1);
		attr.set = TREE_ATTR_IDMAP;
		attr.userns_fd = userns;
		r = syscall(SYS_mount_setattr, tree, "", TREE_EMPTY_PATH, &attr, sizeof attr);
		close_keep(userns, 0);
		if (r < 0)
			return close_keep(tree, -1);
	}
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof tree);
	memcpy(CMSG_DATA(c), &tree, sizeof tree);
	r = sendmsg(tree_sock[0], &m, MSG_NOSIGNAL) < 0 ? -1 : 0;
	return close_keep(tree, r);
}

/* `attach-tree TARGET`: mount the next tree the monitor sent on TARGET. */
static int op_attach_tree(struct op *o)
{
	char ctl[CMSG_SPACE(sizeof(int))], b, buf[32];
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof ctl };
	struct cmsghdr *c;
	const char *target;
	int tree, tfd;
	ssize_t r = tree_sock[1] < 0 ? -1 : recvmsg(tree_sock[1], &m, MSG_CMSG_CLOEXEC);

	if (r != 1) /* none sent (EOF), or an error */
		return r < 0 && tree_sock[1] >= 0 ? -1 : einval();
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof tree))
		return einval();
	memcpy(&tree, CMSG_DATA(c), sizeof tree);
	target = in_root(o->f[0], buf, sizeof buf, &tfd);
	if (!target)
		return close_keep(tree, -1);
	if (tfd >= 0) /* opened inside the root: attach on that very directory */
		r = syscall(SYS_move_mount, tree, "", tfd, "", TREE_F_EMPTY_PATH | TREE_T_EMPTY_PATH);
	else
		r = syscall(SYS_move_mount, tree, "", AT_FDCWD, target,
			    TREE_F_EMPTY_PATH | TREE_T_SYMLINKS);
	if (tfd >= 0)
		close_keep(tfd, 0);
	return close_keep(tree, r);
}

static int op_join(struct op *o)
{
	int fd = syscall(SYS_pidfd_open, (pid_t)o->n[0], 0); /* pidfds are always CLOEXEC */
	int root = -1, r;
	char path[64];

	if (fd < 0)
		return -1;
	/* Joining a mount namespace puts us at the namespace's root, which is the guest's root only
	 * when its init's pivot_root ran at the namespace's root. Started from a chroot (a package
	 * test, a build root) or with chroot (OCI --no-pivot), that root is the host's tree: so we
	 * take the init's own root, opened before the join (our /proc), as nsenter --root does. If
	 * the pid was recycled meanwhile, setns on the pidfd fails (ESRCH). */
	if (o->n[1] & CLONE_NEWNS) {
		snprintf(path, sizeof path, "/proc/%lld/root", (long long)o->n[0]);
		root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return close_keep(fd, -1);
	}
	r = setns(fd, o->n[1]);
	close_keep(fd, r);
	if (root >= 0) {
		if (!r && (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0))
			r = -1;
		close_keep(root, r);
	}
	return r;
}

/* Join one namespace by the path of its nsfs file (/proc/PID/ns/net, a bind mount). */
static int op_setns(struct op *o)
{
	int fd = open(o->f[0], O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -1 : close_keep(fd, setns(fd, o->n[1]));
}

static int op_release(struct op *o)
{
	pid_t parent = getppid();

	(void)o;
	release = 1;
	/* No pidfd (an old kernel, or our parent is already gone): let go at once. */
	parent_fd = parent > 1 ? syscall(SYS_pidfd_open, parent, 0) : -1;
	return 0;
}
static int op_console_socket(struct op *o)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (strlen(o->f[0]) >= sizeof a.sun_path)
		return errno = ENAMETOOLONG, -1;
	strcpy(a.sun_path, o->f[0]);
	console_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (console_fd < 0 || connect(console_fd, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	console_op = o;
	return 0;
}

/* Send FD over the connected socket S (SCM_RIGHTS, a name as payload), then close S. */
static int send_fd(int s, int fd)
{
	char name[] = "/dev/ptmx", ctl[CMSG_SPACE(sizeof fd)] = { 0 };
	struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof ctl };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof fd);
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	if (sendmsg(s, &m, 0) < 0)
		return close_keep(s, -1);
	return close(s);
}

static const struct opdef defs[] = {
	{ "status-file", 1, 0, MON, op_status_file },
	{ "log", 3, 6, MON, op_log },
	{ "detach", 0, 0, MON, op_setsid },
	{ "pty", 0, 0, MON, op_pty },
	{ "stdio-pipes", 0, 0, MON, op_stdio_pipes },
	{ "pipe-owner", 2, 3, MON, op_pipe_owner },
	{ "uid-map", 1, 0, MON, op_uid_map },
	{ "gid-map", 1, 0, MON, op_gid_map },
	{ "idmap-tree", 1, 0, MON, op_idmap_tree },
	{ "disk-tree", 2, 0, MON, op_disk_tree },
	{ "bind-tree", 1, 0, MON, op_bind_tree },
	{ "join", 2, 3, MON, op_join },
	{ "setns", 2, 2, MON, op_setns },
	{ "release", 0, 0, MON, op_release },
	{ "landlock-scope", 1, 1, MON, op_landlock_scope },
	{ "exec-socket", 1, 0, MON, op_exec_socket },
	{ "console-socket", 1, 0, MON, op_console_socket },
	{ "clone", 1, 1, CLONE, NULL },
	{ "root", 1, 0, CHILD, op_root },
	{ "unshare", 1, 1, CHILD, op_unshare },
	{ "loopback-up", 0, 0, CHILD, op_loopback_up },
	{ "open-fd", 2, 2, CHILD, op_open_fd },
	{ "mount", 5, 8, CHILD, op_mount },
	{ "umount", 2, 2, CHILD, op_umount },
	{ "attach-tree", 1, 0, CHILD, op_attach_tree },
	{ "mkdir", 2, 2, CHILD, op_mkdir },
	{ "mknod", 4, 14, CHILD, op_mknod },
	{ "symlink", 2, 0, CHILD, op_symlink },
	{ "touch", 2, 2, CHILD, op_touch },
	{ "write", 2, 0, CHILD, op_write },
	{ "pivot-root", 1, 0, CHILD, op_pivot_root },
	{ "chroot", 1, 0, CHILD, op_chroot },
	{ "chdir", 1, 0, CHILD, op_chdir },
	{ "sethostname", 1, 0, CHILD, op_sethostname },
	{ "setdomainname", 1, 0, CHILD, op_setdomainname },
	{ "rlimit", 3, 7, CHILD, op_rlimit },
	{ "setsid", 0, 0, CHILD, op_setsid },
	{ "pdeathsig", 1, 1, CHILD, op_pdeathsig },
	{ "no-new-privs", 0, 0, CHILD, op_no_new_privs },
	{ "keep-caps", 0, 0, CHILD, op_keep_caps },
	{ "cap-bounding", 1, 1, CHILD, op_cap_bounding },
	{ "capset", 3, 7, CHILD, op_capset },
	{ "cap-ambient", 1, 1, CHILD, op_cap_ambient },
	{ "setgroups", 1, 0, CHILD, op_setgroups },
	{ "setgid", 1, 1, CHILD, op_setgid },
	{ "setuid", 1, 1, CHILD, op_setuid },
	{ "umask", 1, 1, CHILD, op_umask },
	{ "wait-fifo", 1, 0, CHILD, op_wait_fifo },
	{ "hook-state", 1, 0, CHILD, op_hook_state },
	{ "hook", 2, 2, CHILD, op_hook },
	{ "seccomp", 2, 1, CHILD, op_seccomp },
	{ "env", 1, 0, CHILD, op_env },
	{ "arg", 1, 0, CHILD, op_arg },
	{ "exec", 1, 0, CHILD, op_exec },
};

/* ---------- reading the program ---------- */

static struct lines from_service; /* what the service sends, line by line */

/* A failure before the child exists. */
static void fail_early(int idx, int err)
{
	say("error %d %d", idx, err);
	exit(1);
}

static int decode(char *s, size_t *n)
{
	char *w = s;

	if (!strcmp(s, "%")) /* the empty field */
		s[1] = '\0';
	else
		for (char *r = s; *r; r++) {
			int hi = *r == '%' ? hexval(r[1]) : 0, lo = hi < 0 ? -1 : hexval(r[2]);
			if (*r != '%')
				*w++ = *r;
			else if (hi < 0 || lo < 0)
				return -1;
			else
				*w++ = hi << 4 | lo, r += 2;
		}
	*n = w - s;
	*w = '\0';
	return 0;
}

/* Parse LINE (a private copy) into O; -1 if it is malformed. */
static int parse(struct op *o, char *line)
{
	char *name = strsep(&line, " "), *tok, *e;
	int nf = 0;

	if (*name == '?') {
		o->q = 1;
		name++;
	}
	for (size_t i = 0; i < sizeof defs / sizeof *defs; i++)
		if (!strcmp(name, defs[i].name))
			o->def = &defs[i];
	while ((tok = strsep(&line, " "))) {
		if (nf == MAXF || !*tok || decode(tok, &o->len[nf]) < 0)
			return -1;
		o->f[nf++] = tok;
	}
	if (!o->def || nf != o->def->nf)
		return -1;
	for (int i = 0; i < nf; i++) {
		if (!(o->def->num >> i & 1))
			continue;
		errno = 0;
		o->n[i] = strtoull(o->f[i], &e, 0); /* "-1" wraps to all ones, as intended */
		if (errno || e == o->f[i] || *e)
			return -1;
	}
	return 0;
}

/* Index of the first misplaced operation (monitor ops, clone, child ops, exec), or -1. */
static int check_order(void)
{
	int i = 0;

	while (i < nops && prog[i].def->where == MON)
		i++;
	if (i == nops || prog[i].def->where != CLONE)
		return i;
	for (i++; i < nops; i++)
		if (prog[i].def->where != CHILD || (prog[i].def->run == op_exec && i != nops - 1))
			return i;
	return prog[nops - 1].def->run == op_exec ? -1 : nops;
}

/* Read operations up to `end`. A malformed operation is reported only after `end`, so
 * that Java is never cut off while it is still writing. */
static void read_program(void)
{
	int bad = -1;
	char *l;

	for (;;) {
		while (!(l = lines_take(&from_service))) {
			ssize_t r = lines_fill(&from_service, sock);
			if (r < 0 && errno == E2BIG)
				fail_early(nops, E2BIG);
			if (r <= 0)
				exit(1); /* Java went away before `end`: nobody to tell */
		}
		if (!strcmp(l, "end"))
			break;
		struct op *np = realloc(prog, (nops + 1) * sizeof *np);
		char *copy = strdup(l);
		if (!np || !copy)
			fail_early(nops, ENOMEM);
		prog = np;
		memset(&prog[nops], 0, sizeof *prog);
		prog[nops].line = copy;
		if (parse(&prog[nops], copy) < 0 && bad < 0)
			bad = nops;
		nops++;
	}
	if (bad < 0)
		bad = check_order();
	if (bad >= 0)
		fail_early(bad, EINVAL);
}

/* ---------- the child ---------- */

static void child_fail(int idx)
{
	int msg[2] = { idx, errno }; /* 8 bytes: one atomic pipe write */

	signal(SIGPIPE, SIG_IGN); /* a released monitor is gone: EPIPE, not death */
	if (write(err_pipe[1], msg, sizeof msg) < 0) /* nobody listens: say it on stderr */
		dprintf(2, "jvs-init: %s %s: %s\n", prog[idx].def->name,
			prog[idx].def->nf ? prog[idx].f[0] : "", strerror(msg[1]));
	_exit(127);
}

static int take_tty(void)
{
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return -1;
	return slave > 2 ? close(slave) : 0;
}

static void run_child(int first)
{
	ssize_t r;
	char c;

	/* The guest gets the signal state we were started with, not the monitor's. */
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	close(go_pipe[1]); /* so that the monitor's death reads as EOF */
	close(err_pipe[0]);
	/* No host fd beyond stdio may reach the guest's program, nor be there for the taking
	 * before it runs: the control socket, the host directories, the pty master. */
	for (int *fd = (int[]){ sock, status_dir, console_fd, sigfd, master, parent_fd, log_dir,
				log_fd, log_pipe[0], exec_sock, tree_sock[0], -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	sock = -1;
	if (log_pipe[1] >= 0 && (dup2(log_pipe[1], 1) < 0 || dup2(log_pipe[1], 2) < 0))
		_exit(127);
	for (int i = 0; i < 3; i++) {
		if (child_stdio[i] >= 0 && dup2(child_stdio[i], i) < 0)
			_exit(127);
		if (relays[i].from > 2) /* the monitor's ends */
			close(relays[i].from);
		if (relays[i].to > 2)
			close(relays[i].to);
	}
	do
		r = read(go_pipe[0], &c, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		_exit(127); /* no go-ahead: the launch was aborted */
	close(go_pipe[0]);
	if (pty_idx >= 0 && take_tty() < 0)
		child_fail(pty_idx);
	for (int i = first; i < nops; i++)
		if (prog[i].def->run(&prog[i]) < 0 && !(prog[i].q && errno == ENOENT))
			child_fail(i);
	child_fail(nops - 1); /* only `?exec` failing with ENOENT gets here */
}

/* ---------- the monitor ---------- */

static void restore_tty(void)
{
	if (tty_raw)
		tcsetattr(0, TCSANOW, &saved_tty);
	tty_raw = 0;
}

static void reap(int block)
{
	while (!reaped) {
		pid_t p = waitpid(child, &child_status, block ? 0 : WNOHANG);
		if (p == child)
			reaped = 1;
		else if (!(p < 0 && errno == EINTR))
			return;
	}
}

/* Reap every ended child: the guest's first process, and exec monitors we forked. */
static void reap_all(void)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0 || (p < 0 && errno == EINTR))
		if (p == child) {
			child_status = st;
			reaped = 1;
		}
}

/* Record the reaped child's end in the status file (atomically: PATH.tmp, rename) and
 * return the exit code the monitor passes on. */
static int record_exit(void)
{
	int sig = WIFSIGNALED(child_status) ? WTERMSIG(child_status) : 0;
	int code = sig ? 128 + sig : WEXITSTATUS(child_status);
	char text[32], tmp[4096];
	int fd = -1, n;

	if (status_dir < 0)
		return code;
	n = snprintf(text, sizeof text, sig ? "signaled %d\n" : "exited %d\n", sig ? sig : code);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", status_name) >= (int)sizeof tmp)
		errno = ENAMETOOLONG;
	else if ((fd = openat(status_dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
					       O_NOFOLLOW, 0644)) >= 0 &&
		 write_all(fd, text, n) == 0 && close(fd) == 0 &&
		 renameat(status_dir, tmp, status_dir, status_name) == 0)
		return code; /* atomic, not durable: a reboot ends every run anyway */
	dprintf(2, "jvs-init: status file %s: %s\n", status_name, strerror(errno));
	return code;
}

/* The launch failed or was aborted: the child goes, we record, report and exit 1. */
static void abort_child(int idx, int err)
{
	if (!reaped)
		kill(child, SIGKILL);
	reap(1);
	record_exit();
	restore_tty();
	if (idx >= 0)
		say("error %d %d", idx, err);
	exit(1);
}

static void copy_winsize(void)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

static int open_pty(void)
{
	int unlock = 0;

	/* /dev/ptmx as seen after `join`: the guest's devpts instance */
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -1;
	/* TIOCGPTPEER opens the slave without a path, which may differ in our namespace */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return -1;
	copy_winsize();
	return 0;
}

static int block_signals(void)
{
	static const int sigs[] = { SIGCHLD, SIGWINCH, SIGTERM, SIGINT, SIGHUP,
				    SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t s;

	sigemptyset(&s);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaddset(&s, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &s, &oldmask) < 0)
		return -1;
	return sigfd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Write /proc/CHILD/FILE: the text of O (uid_map, gid_map). */
static int write_proc(const char *file, struct op *o)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/%s", (int)child, file);
	return write_file(path, o->f[0], o->len[0]);
}

/* ---------- relays: our stdio <-> the child's terminal or pipes ----------
 *
 * With `pty` the child's stdio is a terminal from the guest's devpts; with `stdio-pipes`, three
 * pipes. Either way the guest holds no fd of the caller's (a file, a terminal, a socket) that it
 * could reopen through /proc/PID/fd: the monitor copies between them. */

static void relay_set(int i, int from, int to)
{
	relays[i].from = from;
	relays[i].to = to;
	relays[i].eof = 0;
}

/* read() into an empty buffer; EOF or a hard error ends that direction. */
static void fill_buf(struct relay *r)
{
	ssize_t n = read(r->from, r->d, sizeof r->d);

	if (n > 0)
		r->off = 0, r->len = n;
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		r->eof = 1; /* EIO on the master: every holder of the slave closed it */
}

/* write() some of the buffer; drop the data on a hard error (a gone reader or guest). */
static void flush_buf(struct relay *r)
{
	ssize_t w = write(r->to, r->d + r->off, r->len);

	if (w > 0)
		r->off += w, r->len -= w;
	else if (w < 0 && errno != EINTR && errno != EAGAIN)
		r->len = 0;
}

/* Our input ended: a pipe is closed; a terminal that reads lines gets its EOF character. */
static void input_ended(void)
{
	struct relay *r = &relays[R_IN];
	struct termios t;

	if (master < 0) {
		close(r->to);
		r->to = -1;
	} else if (tcgetattr(master, &t) == 0 && (t.c_lflag & ICANON)) {
		r->d[0] = t.c_cc[VEOF];
		r->off = 0;
		r->len = 1;
	}
}

/* The child ended: pass on the rest of its output (its daemons may keep the pipes open). */
static void drain(void)
{
	for (int i = R_OUT; i < R_N; i++) {
		struct relay *r = &relays[i];
		ssize_t n;

		if (r->to < 0)
			continue;
		write_all(r->to, r->d + r->off, r->len);
		while (!r->eof && (n = read(r->from, r->d, sizeof r->d)) > 0)
			write_all(r->to, r->d, n);
	}
}

/* When `stdio-pipes` runs: the child's end of each pipe (in child_stdio), ours non-blocking. */
static int open_pipes(void)
{
	int p[3][2];

	for (int i = 0; i < 3; i++)
		if (pipe2(p[i], O_CLOEXEC) < 0)
			return -1;
	child_stdio[0] = p[0][0];
	child_stdio[1] = p[1][1];
	child_stdio[2] = p[2][1];
	relay_set(R_IN, 0, p[0][1]);
	relay_set(R_OUT, p[1][0], 1);
	relay_set(R_ERR, p[2][0], 2);
	return fcntl(p[1][0], F_SETFL, O_NONBLOCK) < 0 || fcntl(p[2][0], F_SETFL, O_NONBLOCK) < 0
		       ? -1 : 0;
}

static void spawn(int ci)
{
	if (pty_idx >= 0 && open_pty() < 0)
		fail_early(pty_idx, errno);
	if (console_op && master >= 0) { /* the caller relays the terminal itself */
		if (send_fd(console_fd, master) < 0)
			fail_early(console_op - prog, errno);
		console_fd = -1; /* send_fd closed it: its number is free for the pipes below */
		close(master);
		master = -1;
	}
	if (pipe2(go_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 || block_signals() < 0)
		fail_early(ci, errno);
	if (master >= 0) /* a resize between open_pty and the blocking raised no SIGWINCH we see */
		copy_winsize();
	if (ntrees && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tree_sock) < 0)
		fail_early(trees[0] - prog, errno);
	/* fork-style clone (no new stack): fine, the monitor is single-threaded */
	child = syscall(SYS_clone, (unsigned long)prog[ci].n[0] | SIGCHLD, 0, 0, 0, 0);
	if (child < 0)
		fail_early(ci, errno);
	if (child == 0)
		run_child(ci + 1);
	if (ntrees)
		close(tree_sock[1]);
	close(go_pipe[0]);
	close(err_pipe[1]);
	if (slave >= 0)
		close(slave); /* or the master never sees the guest hang up */
	if (master >= 0) {
		relay_set(R_IN, 0, master);
		relay_set(R_OUT, master, 1);
	}
	for (int i = 0; i < 3; i++)
		if (child_stdio[i] >= 0)
			close(child_stdio[i]); /* the child's ends: EOF once it and its heirs are gone */
	if (log_pipe[1] >= 0)
		close(log_pipe[1]); /* EOF once the guest's last writer is gone */
	if (uid_op && write_proc("uid_map", uid_op) < 0)
		abort_child(uid_op - prog, errno);
	/* setgroups stays allowed: we map as host root, and a guest's login, su and an image's
	 * User need it (only "deny" makes a map by an unprivileged writer safe) */
	if (gid_op && write_proc("gid_map", gid_op) < 0)
		abort_child(gid_op - prog, errno);
	for (int i = 0; i < ntrees; i++)
		if (send_tree(trees[i]) < 0)
			abort_child(trees[i] - prog, errno);
	if (ntrees)
		close(tree_sock[0]);
	say("pid %d", (int)child);
}

static void set_raw(void)
{
	struct termios t;

	if (master < 0 || !isatty(0) || tcgetattr(0, &saved_tty) < 0)
		return;
	t = saved_tty;
	cfmakeraw(&t);
	tty_raw = tcsetattr(0, TCSANOW, &t) == 0;
}

/* ---------- the event loop ---------- */

/* `release`: the child is our caller's to supervise, but we stay its parent, neither
 * reaping nor recording it, until our own parent (the runtime process: jvs-oci's JVM, or
 * jvs-client for the jvs service) has exited; then we exit and the child passes to the caller's
 * subreaper. runc's process ordering: a shim learns the pid from the pid file after the
 * runtime has exited, and only then can it reap a child that ended at once. */
static void let_go(void)
{
	if (parent_fd < 0)
		exit(0);
	if (state == WAIT_EXEC) { /* `wait`: errors after the FIFO go to the child's stderr */
		close(err_pipe[0]);
		err_pipe[0] = -1;
	}
	state = RELEASED;
}

/* Once the child runs, the program and its line buffer (grown for the seccomp program) are
 * never read again: free them and hand the heap's free pages back to the host, for as long as
 * the guest runs (an idle monitor is a cost of every guest). Nothing may point into the
 * program after this: the names the monitor keeps are copies. */
static void release_setup_memory(void)
{
	for (int i = 0; i < nops; i++)
		free(prog[i].line);
	free(prog);
	prog = NULL;
	nops = 0;
	uid_op = gid_op = console_op = NULL;
	ntrees = 0;
	free(from_service.buf);
	from_service = (struct lines){ 0 };
	malloc_trim(0);
}

static void on_exec_report(void)
{
	int msg[2];
	ssize_t n;

	do
		n = read(err_pipe[0], msg, sizeof msg);
	while (n < 0 && errno == EINTR);
	if (n == sizeof msg && msg[1] == -1) { /* `wait-fifo`: blocked until a reader comes */
		say("wait %d", msg[0]);
		if (release)
			let_go();
		return;
	}
	if (n == sizeof msg)
		abort_child(msg[0], msg[1]);
	/* EOF without a report: the CLOEXEC pipe was closed by a successful exec */
	close(err_pipe[0]);
	state = RUNNING;
	release_setup_memory();
	say("ok");
	if (release)
		let_go();
}

static void child_ended(void)
{
	int code;

	if (state == WAIT_EXEC)
		on_exec_report(); /* an error report comes before the exit */
	drain();
	if (log_pipe[0] >= 0)
		log_relay(); /* what the guest wrote last; its daemons may keep the pipe open */
	code = record_exit();
	if (WIFSIGNALED(child_status))
		say("exit signaled %d", WTERMSIG(child_status));
	else
		say("exit exited %d", WEXITSTATUS(child_status));
	restore_tty();
	exit(code);
}

static void on_signals(void)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD) {
			/* Released: the caller (a shim) must reap a child that exec'd and ended at
			 * once, or its exit is lost; learn the outcome from the error pipe instead. */
			if (release && state == WAIT_EXEC)
				on_exec_report();
			if (state == RELEASED)
				continue; /* not ours to reap: it goes to our caller's subreaper */
			reap_all();
			if (reaped)
				child_ended();
		} else if (si.ssi_signo == SIGWINCH) {
			if (master >= 0)
				copy_winsize();
		} else {
			kill(child, si.ssi_signo); /* safe: only we reap it, so the pid is ours */
		}
	}
}

/* Before `go` the only thing Java may send is `go`; EOF or anything else aborts. */
static void on_socket_lines(void)
{
	char *l;

	while (state == WAIT_GO && (l = lines_take(&from_service))) {
		if (strcmp(l, "go"))
			abort_child(-1, 0);
		if (write(go_pipe[1], "g", 1) < 0) {
			/* the child is already gone; SIGCHLD tells the rest */
		}
		close(go_pipe[1]);
		state = WAIT_EXEC;
	}
}

enum { P_SIG, P_SOCK, P_ERR, P_PARENT, P_LOG, P_EXEC, P_RELAY, P_N = P_RELAY + 2 * R_N };

static void monitor_loop(void)
{
	struct pollfd p[P_N];

	set_raw();
	on_socket_lines(); /* `go` may already be buffered */
	for (;;) {
		p[P_SIG] = (struct pollfd){ sigfd, POLLIN, 0 };
		p[P_SOCK] = (struct pollfd){ state == WAIT_GO ? sock : -1, POLLIN, 0 };
		p[P_ERR] = (struct pollfd){ state == WAIT_EXEC ? err_pipe[0] : -1, POLLIN, 0 };
		p[P_PARENT] = (struct pollfd){ state == RELEASED ? parent_fd : -1, POLLIN, 0 };
		p[P_LOG] = (struct pollfd){ log_pipe[0], POLLIN, 0 };
		p[P_EXEC] = (struct pollfd){ state == RUNNING ? exec_sock : -1, POLLIN, 0 };
		/* A relay's source is polled only while its buffer is empty, its sink only while it
		 * is not: no busy loop, and a stalled side never blocks another. */
		for (int i = 0; i < R_N; i++) {
			struct relay *r = &relays[i];
			int live = r->to >= 0;
			p[P_RELAY + 2 * i] = (struct pollfd){ live && !r->len && !r->eof ? r->from : -1,
							       POLLIN, 0 };
			p[P_RELAY + 2 * i + 1] = (struct pollfd){ live && r->len ? r->to : -1, POLLOUT, 0 };
		}
		if (poll(p, P_N, -1) < 0)
			continue; /* EINTR: every fd here is valid */
		if (p[P_PARENT].revents)
			exit(0); /* the runtime process has exited: the child is its subreaper's now */
		if (p[P_LOG].revents)
			log_relay();
		if (p[P_EXEC].revents)
			serve_exec();
		if (p[P_SIG].revents)
			on_signals();
		if (p[P_SOCK].revents) {
			if (lines_fill(&from_service, sock) <= 0)
				abort_child(-1, 0); /* EOF before `go` */
			on_socket_lines();
		}
		if (p[P_ERR].revents)
			on_exec_report();
		for (int i = 0; i < R_N; i++) {
			struct relay *r = &relays[i];
			if (p[P_RELAY + 2 * i].revents) {
				fill_buf(r);
				if (r->eof && i == R_IN)
					input_ended();
				/* The terminal's size before the input that follows a resize: the
				 * caller's SIGWINCH may come later than its keystrokes (an unchanged
				 * size is no resize for the kernel: no signal to the guest). */
				if (i == R_IN && r->len && master >= 0)
					copy_winsize();
			}
			if (p[P_RELAY + 2 * i + 1].revents)
				flush_buf(r);
		}
	}
}

static int connect_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof a.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	return fd;
}

/* The monitor: connect to Java at PATH, run the program's monitor part, then monitor. */
static int monitor_main(const char *path)
{
	int i;

	sock = connect_socket(path);
	if (sock < 0) {
		dprintf(2, "jvs-init: %s: %s\n", path, strerror(errno));
		return 1;
	}
	read_program();
	for (i = 0; prog[i].def->where == MON; i++)
		if (prog[i].def->run(&prog[i]) < 0 && !(prog[i].q && errno == ENOENT))
			fail_early(i, errno);
	spawn(i);
	monitor_loop();
	return 1; /* not reached: the monitor exits with its child */
}

int main(int argc, char **argv)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };

	/* First of all: no guest may ptrace us or open our /proc files (exe, fds). Inherited
	 * by the child, re-asserted after its credential changes, undone only by its exec. Our
	 * binary itself cannot be rewritten while any monitor runs it (ETXTBSY); we run it from
	 * the file, not a memfd copy, so that a thousand monitors share its pages. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	/* Socket write errors are ignored, not fatal. SIGCHLD must not be SIG_IGN (which a
	 * caller may pass on), or the kernel would reap the child before we see its status. */
	sigaction(SIGPIPE, &ign, &old_pipe);
	sigaction(SIGCHLD, &dfl, &old_chld);
	if (argc != 2) {
		dprintf(2, "usage: jvs-init SOCKET_PATH\n");
		return 2;
	}
	return monitor_main(argv[1]);
}
