/*
 * jvs-client: the `jvs` and `jvs-oci` command lines (docs/service.md). Named jvs-oci (by its
 * argv[0]'s basename) it is the OCI front-end, else jvs.
 *
 * It hands the call to the jvs service on its unix socket: argv, the environment, the working
 * directory and our stdin, stdout and stderr (SCM_RIGHTS). The service runs the verb and writes
 * its output straight into those fds; we only wait for `exit CODE`. Meanwhile the service may
 * ask us to fork a jvs-init monitor on our own stdio (`spawn PATH`, so that a container stays
 * our caller's descendant), to kill it, or to pass our terminal's signals on to a monitor that
 * is not ours (`monitor PID`: a `jvs exec`'s, forked by the guest's monitor).
 *
 * With no service there (no socket, or nobody listening), or when it says `fallback`, we exec
 * the JVM on the jar beside us instead, as a bare machine runs it. No policy lives here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "lines.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define PROTOCOL "1"
#define DEFAULT_RUN "/run/jvs"
#define DEFAULT_JAVA_HOME "/usr/lib/jvm/temurin-25-jdk-amd64"
#define BESIDE (PATH_MAX + 32) /* a file beside us: dir + "/" + a short name */

extern char **environ;

static const char *front = "jvs"; /* or "jvs-oci" */
static char dir[PATH_MAX];        /* where this binary, jvs-init and jvs.jar live */
static int sock = -1;
static pid_t mon = -1;   /* the monitor we forked for the service (`spawn`) */
static int mon_fd = -1;  /* its pidfd: readable once it has ended */
static pid_t relay_to;   /* `monitor PID`: our terminal's signals go there, */
static int relay_fd = -1; /* by pidfd, so a recycled pid is never signalled */
static int sig_fd = -1;  /* signalfd of the relayed signals, once relaying */
static sigset_t relayed, orig_mask;

/* ---------- the cold path: the JVM on the jar beside us ---------- */

static int newer(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_mtim.tv_sec > sb.st_mtim.tv_sec ||
	       (sa.st_mtim.tv_sec == sb.st_mtim.tv_sec && sa.st_mtim.tv_nsec > sb.st_mtim.tv_nsec);
}

/* Exec java as ./jvs and ./jvs-oci always did: the AOT cache only while newer than the jar (a
 * JDK 25 cache does not notice a changed jar), the full JIT only for the long-running service. */
static int cold(char **args)
{
	const char *home = getenv("JVS_JAVA_HOME");
	int oci = !strcmp(front, "jvs-oci"), n = 0, serve = args[0] && !strcmp(args[0], "serve");
	char java[BESIDE], jar[BESIDE], aot[BESIDE], aot_flag[BESIDE + 16], init[BESIDE + 16];
	char **argv, **a = args;
	size_t count = 0;

	while (*a++)
		count++;
	argv = malloc((16 + count) * sizeof *argv);
	if (!argv)
		return 1;
	/* The Debian package's own jlink runtime beside us first (/usr/lib/jvs/runtime), then
	 * JVS_JAVA_HOME, then the JDK the build used. */
	snprintf(java, sizeof java, "%s/runtime/bin/java", dir);
	if (access(java, X_OK) < 0)
		snprintf(java, sizeof java, "%s/bin/java", home && *home ? home : DEFAULT_JAVA_HOME);
	snprintf(jar, sizeof jar, "%s/jvs.jar", dir);
	snprintf(aot, sizeof aot, "%s/%s.aot", dir, oci ? "jvs-oci" : "jvs");
	snprintf(aot_flag, sizeof aot_flag, "-XX:AOTCache=%s", aot);
	snprintf(init, sizeof init, "-Djvs.init=%s/jvs-init", dir);
	argv[n++] = java;
	argv[n++] = "--enable-native-access=ALL-UNNAMED";
	argv[n++] = "-XX:+UseSerialGC";
	if (!serve)
		argv[n++] = "-XX:TieredStopAtLevel=1"; /* a short-lived verb */
	if (newer(aot, jar)) {
		argv[n++] = aot_flag;
		argv[n++] = "-Xlog:aot=off";
		argv[n++] = "-Xlog:cds=off";
	}
	argv[n++] = init;
	argv[n++] = oci ? "-cp" : "-jar";
	argv[n++] = jar;
	if (oci)
		argv[n++] = "dev.jvs.oci.cli.OciMain";
	for (a = args; *a; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	execv(java, argv);
	dprintf(2, "%s: %s: %s\n", front, java, strerror(errno));
	return 1;
}

/* ---------- talking to the service ---------- */

static int write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(sock, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* Append "NAME FIELD\n" to B, FIELD %-encoded as in a launch program (docs/launch-program.md). */
static char *put(char *b, const char *name, const char *field, size_t n)
{
	static const char safe[] = "._/:=,+@-";

	b += sprintf(b, "%s ", name);
	if (!n)
		*b++ = '%';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = field[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c && strchr(safe, c)))
			*b++ = c;
		else
			b += sprintf(b, "%%%02X", c);
	}
	*b++ = '\n';
	return b;
}

static int send_line(const char *name, const char *field, size_t n)
{
	char *b = malloc(strlen(name) + 3 * n + 4);
	int r;

	if (!b)
		return -1;
	r = write_all(b, put(b, name, field, n) - b);
	free(b);
	return r;
}

static int send_number(const char *name, long v)
{
	char b[24];

	return send_line(name, b, snprintf(b, sizeof b, "%ld", v));
}

/* The whole request in one message, our stdio attached to its first byte. */
static int send_request(char **args)
{
	char *cwd = getcwd(NULL, 0), **e, *b, *w;
	size_t size = 64 + (cwd ? 3 * strlen(cwd) : 0);
	char ctl[CMSG_SPACE(3 * sizeof(int))] = { 0 };
	struct iovec iov;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof ctl };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t sent;

	if (!cwd)
		return -1;
	for (e = environ; *e; e++)
		size += 3 * strlen(*e) + 8;
	for (e = args; *e; e++)
		size += 3 * strlen(*e) + 8;
	w = b = malloc(size);
	if (!b)
		return -1;
	w = put(w, "jvs-client", PROTOCOL, strlen(PROTOCOL));
	w = put(w, "front", front, strlen(front));
	w = put(w, "cwd", cwd, strlen(cwd));
	for (e = environ; *e; e++)
		w = put(w, "env", *e, strlen(*e));
	for (e = args; *e; e++)
		w = put(w, "arg", *e, strlen(*e));
	w += sprintf(w, "end\n");
	free(cwd);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(c), (int[]){ 0, 1, 2 }, 3 * sizeof(int));
	iov = (struct iovec){ .iov_base = b, .iov_len = w - b };
	do
		sent = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	if (sent > 0 && write_all(b + sent, (w - b) - sent) == 0)
		sent = 0;
	free(b);
	return sent == 0 ? 0 : -1;
}

/* ---------- what the service asks ---------- */

static struct lines from_service; /* what the service sends, line by line */

/* Decode a %-encoded field in place; -1 if malformed or holding a NUL byte. */
static int decode(char *s)
{
	char *w = s;

	if (!strcmp(s, "%")) {
		*s = '\0';
		return 0;
	}
	for (char *r = s; *r; r++) {
		int hi = *r == '%' ? hexval(r[1]) : 0, lo = hi < 0 ? -1 : hexval(r[2]);
		if (*r != '%')
			*w++ = *r;
		else if (hi < 0 || lo < 0 || (hi | lo) == 0)
			return -1;
		else
			*w++ = hi << 4 | lo, r += 2;
	}
	*w = '\0';
	return 0;
}

/* `spawn PATH`: fork and exec the jvs-init beside us on our own stdio; it connects to PATH. */
static int spawn(const char *path)
{
	char init[BESIDE];
	const char *why;

	snprintf(init, sizeof init, "%s/jvs-init", dir);
	if (mon > 0)
		return send_line("spawn-error", "a monitor is already running", 28);
	if (access(init, X_OK) < 0)
		goto failed;
	/* runc's process ordering: a container process that ends before we do stays our zombie
	 * (or a released monitor's child) until we have exited, and reaches our caller's
	 * subreaper (a shim, conmon) only after it has our answer and the pid file. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	mon = fork();
	if (mon == 0) {
		sigprocmask(SIG_SETMASK, &orig_mask, NULL);
		execl(init, "jvs-init", path, (char *)NULL);
		_exit(127);
	}
	if (mon > 0 && (mon_fd = syscall(SYS_pidfd_open, mon, 0)) >= 0)
		return send_number("spawned", mon);
failed:
	why = strerror(errno);
	return send_line("spawn-error", why, strlen(why));
}

/* The monitor ended: reap it and tell the service its status. */
static void reap(void)
{
	int st;

	while (waitpid(mon, &st, 0) < 0 && errno == EINTR)
		;
	close(mon_fd);
	mon_fd = -1;
	mon = -1;
	send_number("reaped", WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
}

/* `monitor PID`: from now on SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGWINCH go to PID. */
static void relay(pid_t pid)
{
	if (relay_fd >= 0)
		close(relay_fd);
	relay_to = pid;
	relay_fd = syscall(SYS_pidfd_open, pid, 0); /* -1 if it is gone already: nothing to do */
	if (sig_fd < 0) {
		sigprocmask(SIG_BLOCK, &relayed, NULL);
		sig_fd = signalfd(-1, &relayed, SFD_CLOEXEC);
	}
}

static void pass_signal(void)
{
	struct signalfd_siginfo si;

	if (read(sig_fd, &si, sizeof si) != sizeof si || relay_fd < 0)
		return;
	/* Our own child shares our terminal: what the terminal sent has reached it already. */
	if (relay_to == mon && si.ssi_code == SI_KERNEL)
		return;
	syscall(SYS_pidfd_send_signal, relay_fd, si.ssi_signo, NULL, 0);
}

/* One line from the service: the exit code once it says `exit`, -1 to go on, -2 if bad, -3 to
 * fall back to the cold path. */
static int on_line(char *l)
{
	char *name = strsep(&l, " ");

	if (l && decode(l) < 0)
		return -2;
	if (!strcmp(name, "exit") && l)
		return atoi(l) & 0xff;
	if (!strcmp(name, "fallback"))
		return -3;
	if (!strcmp(name, "spawn") && l)
		return spawn(l) < 0 ? -2 : -1;
	if (!strcmp(name, "kill")) {
		if (mon > 0)
			kill(mon, SIGKILL); /* ours until reaped, so never a recycled pid */
		return -1;
	}
	if (!strcmp(name, "monitor") && l && atoi(l) > 0) {
		relay(atoi(l));
		return -1;
	}
	return -2;
}

/* The service went away mid-request (or spoke nonsense): one line, a non-zero exit. */
static int lost(void)
{
	dprintf(2, "%s: the jvs service ended the request before its result\n", front);
	return 1;
}

static int connect_service(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof a.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&a, sizeof a) < 0) {
		if (sock >= 0)
			close(sock);
		sock = -1;
	}
	return sock;
}

/* Where the service listens: $JVS_SOCKET (empty: nowhere), else jvs's $JVS_RUN/jvs.sock. */
static const char *socket_path(char *buf, size_t n)
{
	const char *s = getenv("JVS_SOCKET"), *run = getenv("JVS_RUN");

	if (s)
		return *s ? s : NULL;
	if (strcmp(front, "jvs-oci") && run && *run)
		snprintf(buf, n, "%s/jvs.sock", run);
	else
		snprintf(buf, n, "%s/jvs.sock", DEFAULT_RUN);
	return buf;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX], *slash, *l;
	const char *base = strrchr(argv[0], '/'), *sockpath;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	int code = -1;

	(void)argc;
	if (!strcmp(base ? base + 1 : argv[0], "jvs-oci"))
		front = "jvs-oci";
	if (n <= 0 || !(self[n] = '\0', slash = strrchr(self, '/'))) {
		dprintf(2, "%s: cannot find where this program lives: %s\n", front, strerror(errno));
		return 1;
	}
	*slash = '\0';
	snprintf(dir, sizeof dir, "%s", *self ? self : "/");
	/* The service needs three fds to attach: a closed one becomes /dev/null. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			return 1;
	sockpath = socket_path(path, sizeof path);
	/* `serve` is the service itself; without a socket (or anyone on it) the JVM runs here. */
	if ((argv[1] && !strcmp(argv[1], "serve")) || !sockpath || connect_service(sockpath) < 0)
		return cold(argv + 1);
	sigemptyset(&relayed);
	for (int s = 0; s < 5; s++)
		sigaddset(&relayed, (int[]){ SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH }[s]);
	sigprocmask(SIG_SETMASK, NULL, &orig_mask);
	if (send_request(argv + 1) < 0)
		return lost();
	while (code == -1) {
		struct pollfd p[3] = { { sock, POLLIN, 0 }, { mon_fd, POLLIN, 0 }, { sig_fd, POLLIN, 0 } };

		if (poll(p, 3, -1) < 0)
			continue; /* EINTR */
		if (p[2].revents)
			pass_signal();
		/* The socket first: an `exit` already sent ends the request before any report. */
		if (p[0].revents && lines_fill(&from_service, sock) <= 0)
			return lost();
		while (code == -1 && (l = lines_take(&from_service)))
			code = on_line(l);
		if (code == -1 && p[1].revents)
			reap();
	}
	if (code == -3 && mon < 0) { /* the service would not take it: nothing has happened yet */
		close(sock);
		sigprocmask(SIG_SETMASK, &orig_mask, NULL);
		return cold(argv + 1);
	}
	/* A released monitor stays until we have exited (runc's process ordering). */
	return code < 0 ? lost() : code;
}
