/* attack-host: what a root attacker inside a guest does to the host's per-user kernel quotas and
 * to the host's abstract unix sockets, and the host-side checks that see the effect.
 *
 * Guest root is host uid 0 (no user namespace yet), so every quota the kernel counts per user
 * (inotify instances and watches, POSIX mqueue bytes, keys, user namespaces) is shared between
 * all guests and host root itself. The same static binary runs inside a guest (/attack-host)
 * and on the host.
 *
 * Every mode prints one result line that starts with the mode's name, e.g.
 *   inotify-fill 128 EMFILE      inotify-one ok      inotify-one fail EMFILE
 * "fail ERRNAME" carries the errno's name, so tests assert exact outcomes. The *-fill modes
 * print their line as soon as they have taken what they can, then hold it for HOLD seconds (or
 * until SIGTERM/SIGINT) so that the test can look at the host meanwhile. Output is unbuffered:
 * the tests read it from a file while the holder is still running. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *err(int e) {
  const char *name = strerrorname_np(e);
  return name ? name : "?";
}

/* One-shot modes: "MODE ok" or "MODE fail ERRNAME". */
static int result(const char *mode, int rc) {
  if (rc >= 0) {
    printf("%s ok\n", mode);
    return 0;
  }
  printf("%s fail %s\n", mode, err(errno));
  return 1;
}

/* ---- holding ------------------------------------------------------------------------------ */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* Sleeps up to `seconds` or until SIGTERM/SIGINT (the tests' way to end a holder early); what was
 * taken is released by the caller afterwards, or by exit for file descriptors. */
static void hold(long seconds) {
  struct sigaction sa = {0};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  time_t end = time(NULL) + seconds;
  while (!stop_requested && time(NULL) < end) {
    sleep(1);
  }
}

/* ---- A. per-user quotas --------------------------------------------------------------------- */

/* fs.inotify.max_user_instances counts instances per user: guest root's count is host root's. */
static int inotify_fill(long max, long seconds) {
  long n = 0;
  int e = 0;
  while (n < max) {
    if (inotify_init1(IN_CLOEXEC) < 0) {
      e = errno;
      break;
    }
    n++;
  }
  printf("inotify-fill %ld %s\n", n, e ? err(e) : "none");
  hold(seconds);
  return 0;
}

/* fs.inotify.max_user_watches, also per user. One watch per (instance, inode), so the watches
 * are spread over up to 64 instances (leaving instances for others, so that this mode tests
 * the watch limit alone) and over as many new files in DIR as that needs. */
static int watch_fill(long max, long seconds, const char *dir) {
  enum { MAX_INSTANCES = 64 };
  int fds[MAX_INSTANCES];
  int instances = 0;
  while (instances < MAX_INSTANCES) {
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd < 0) break;
    fds[instances++] = fd;
  }
  if (instances == 0) {
    printf("watch-fill 0 %s instances 0\n", err(errno));
    return 1;
  }
  mkdir(dir, 0700);
  long n = 0;
  int e = 0;
  char path[4096];
  for (long file = 0; n < max && !e; file++) {
    snprintf(path, sizeof path, "%s/w%ld", dir, file);
    int f = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0) {
      e = errno;
      break;
    }
    close(f);
    for (int i = 0; i < instances && n < max; i++) {
      if (inotify_add_watch(fds[i], path, IN_MODIFY) < 0) {
        e = errno;
        break;
      }
      n++;
    }
  }
  printf("watch-fill %ld %s instances %d\n", n, e ? err(e) : "none", instances);
  hold(seconds);
  return 0;
}

/* What a host service does at start: one instance, one watch. */
static int watch_one(void) {
  int fd = inotify_init1(IN_CLOEXEC);
  if (fd < 0) {
    printf("watch-one fail %s (inotify_init1)\n", err(errno));
    return 1;
  }
  return result("watch-one", inotify_add_watch(fd, "/", IN_CREATE));
}

/* POSIX message queues: each queue charges its worst-case size (maxmsg * msgsize plus the
 * kernel's bookkeeping) to its creator's user, and mq_open fails with EMFILE once the user's
 * total would pass the *caller's* RLIMIT_MSGQUEUE. Queues outlive their creator, so they are
 * unlinked on the way out (and a guest's die with its IPC namespace). */
static int mqueue_fill(long seconds) {
  enum { LIMIT = 4096 }; /* a stop in case nothing refuses */
  static char names[LIMIT][64];
  long n = 0, bytes = 0;
  int e = 0;
  while (n < LIMIT) {
    snprintf(names[n], sizeof names[n], "/attack-host-%d-%ld", (int)getpid(), n);
    mqd_t q = mq_open(names[n], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, NULL);
    if (q == (mqd_t)-1) {
      e = errno;
      break;
    }
    struct mq_attr a;
    if (mq_getattr(q, &a) == 0) bytes += a.mq_maxmsg * a.mq_msgsize;
    mq_close(q);
    n++;
  }
  /* bytes: the queues' payload, maxmsg × msgsize (what the kernel charges is a little more) */
  printf("mqueue-fill %ld %s bytes %ld\n", n, e ? err(e) : "none", bytes);
  hold(seconds);
  for (long i = 0; i < n; i++) mq_unlink(names[i]);
  return 0;
}

/* One queue with the defaults (fs.mqueue.msg_default × msgsize_default), as a host service
 * would make it; removed again. */
static int mqueue_one(void) {
  char name[64];
  snprintf(name, sizeof name, "/attack-host-one-%d", (int)getpid());
  mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, NULL);
  if (q == (mqd_t)-1) return result("mqueue-one", -1);
  mq_close(q);
  mq_unlink(name);
  return result("mqueue-one", 0);
}

/* Keys: uid 0's user keyring (and key quota, kernel.keys.root_maxkeys) is host root's. Raw
 * system calls: no libkeyutils in a static build. */
static long find_key(const char *marker) {
  return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", marker, 0);
}

static int add_key(const char *marker) {
  long id = syscall(SYS_add_key, "user", marker, "attack-host", 11, KEY_SPEC_USER_KEYRING);
  if (id < 0) return result("add-key", -1);
  printf("add-key ok %ld\n", id);
  return 0;
}

static int find_key_mode(const char *marker) {
  long id = find_key(marker);
  if (id < 0) {
    printf("find-key none %s\n", err(errno));
    return 1;
  }
  printf("find-key found %ld\n", id);
  return 0;
}

/* Cleanup for the host: a key the guest managed to plant in root's user keyring. */
static int unlink_key(const char *marker) {
  long id = find_key(marker);
  if (id < 0) {
    printf("unlink-key none %s\n", err(errno));
    return 1;
  }
  syscall(SYS_keyctl, KEYCTL_UNLINK, id, KEY_SPEC_USER_KEYRING);
  syscall(SYS_keyctl, KEYCTL_INVALIDATE, id);
  printf("unlink-key ok %ld\n", id);
  return 0;
}

/* User namespaces: user.max_user_namespaces is per user, and a new user namespace would give the
 * guest every capability inside it. Both ways in: unshare(2) and clone(2) with CLONE_NEWUSER. */
static int clone_user(void) {
  long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) _exit(0);
  if (pid < 0) return result("clone-user", -1);
  waitpid((pid_t)pid, NULL, 0);
  return result("clone-user", 0);
}

/* ---- C. abstract unix sockets --------------------------------------------------------------- */

/* An abstract name lives in the network namespace, not in the file system: a guest sharing the
 * host's stack (host-ip, host) sees the host's names, whatever its mount namespace. */
static socklen_t abstract_address(struct sockaddr_un *a, const char *name) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  size_t len = strlen(name);
  if (len > sizeof a->sun_path - 1) len = sizeof a->sun_path - 1;
  memcpy(a->sun_path + 1, name, len); /* sun_path[0] == '\0': abstract */
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

/* Serves SECRET to every client for SECONDS, printing each peer's credentials as the kernel
 * reports them (SO_PEERCRED: pid in this server's pid namespace), then "done N". */
static int abstract_serve(const char *name, const char *secret, long seconds) {
  struct sockaddr_un a;
  socklen_t len = abstract_address(&a, name);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&a, len) < 0 || listen(s, 16) < 0) {
    return result("abstract-serve", -1);
  }
  printf("abstract-serve listening %s\n", name);
  long peers = 0;
  time_t end = time(NULL) + seconds;
  for (time_t now = time(NULL); now < end; now = time(NULL)) {
    struct pollfd p = {.fd = s, .events = POLLIN};
    if (poll(&p, 1, (int)(end - now) * 1000) <= 0) continue;
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) continue;
    struct ucred cred;
    socklen_t clen = sizeof cred;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
      printf("abstract-serve peer pid=%d uid=%d gid=%d\n", (int)cred.pid, (int)cred.uid,
             (int)cred.gid);
    } else {
      printf("abstract-serve peer unknown %s\n", err(errno));
    }
    peers++;
    if (write(c, secret, strlen(secret)) < 0) printf("abstract-serve write %s\n", err(errno));
    close(c);
  }
  printf("abstract-serve done %ld\n", peers);
  return 0;
}

/* "abstract-connect read DATA" (what the server sent) or "abstract-connect fail ERRNAME". */
static int abstract_connect(const char *name) {
  struct sockaddr_un a;
  socklen_t len = abstract_address(&a, name);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&a, len) < 0) return result("abstract-connect", -1);
  struct timeval tv = {.tv_sec = 5};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  size_t got = 0;
  for (;;) {
    ssize_t r = read(s, buf + got, sizeof buf - 1 - got);
    if (r <= 0) break;
    got += (size_t)r;
  }
  buf[got] = '\0';
  printf("abstract-connect read %s\n", buf);
  return 0;
}

/* Datagrams: an unconnected sendto(2) to an abstract name is the other way in (e.g. a notify
 * socket). The server prints each datagram it gets: "abstract-dgram-serve got DATA". */
static int abstract_dgram_serve(const char *name, long seconds) {
  struct sockaddr_un a;
  socklen_t len = abstract_address(&a, name);
  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&a, len) < 0) return result("abstract-dgram-serve", -1);
  printf("abstract-dgram-serve listening %s\n", name);
  long got = 0;
  time_t end = time(NULL) + seconds;
  for (time_t now = time(NULL); now < end; now = time(NULL)) {
    struct pollfd p = {.fd = s, .events = POLLIN};
    if (poll(&p, 1, (int)(end - now) * 1000) <= 0) continue;
    char buf[256];
    ssize_t r = recv(s, buf, sizeof buf - 1, 0);
    if (r < 0) continue;
    buf[r] = '\0';
    printf("abstract-dgram-serve got %s\n", buf);
    got++;
  }
  printf("abstract-dgram-serve done %ld\n", got);
  return 0;
}

static int abstract_send(const char *name, const char *data) {
  struct sockaddr_un a;
  socklen_t len = abstract_address(&a, name);
  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return result("abstract-send", -1);
  return result("abstract-send", (int)sendto(s, data, strlen(data), 0, (struct sockaddr *)&a, len));
}

static long number(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 0) {
    fprintf(stderr, "attack-host: not a number: %s\n", s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *m = argc > 1 ? argv[1] : "";
  int n = argc - 2; /* arguments after the mode */
  if (!strcmp(m, "inotify-fill") && n == 2) return inotify_fill(number(argv[2]), number(argv[3]));
  if (!strcmp(m, "inotify-one") && n == 0) return result(m, inotify_init1(IN_CLOEXEC));
  if (!strcmp(m, "watch-fill") && n == 3) {
    return watch_fill(number(argv[2]), number(argv[3]), argv[4]);
  }
  if (!strcmp(m, "watch-one") && n == 0) return watch_one();
  if (!strcmp(m, "mqueue-fill") && n == 1) return mqueue_fill(number(argv[2]));
  if (!strcmp(m, "mqueue-one") && n == 0) return mqueue_one();
  if (!strcmp(m, "add-key") && n == 1) return add_key(argv[2]);
  if (!strcmp(m, "find-key") && n == 1) return find_key_mode(argv[2]);
  if (!strcmp(m, "unlink-key") && n == 1) return unlink_key(argv[2]);
  if (!strcmp(m, "unshare-user") && n == 0) return result(m, unshare(CLONE_NEWUSER));
  if (!strcmp(m, "clone-user") && n == 0) return clone_user();
  if (!strcmp(m, "abstract-serve") && n == 3) {
    return abstract_serve(argv[2], argv[3], number(argv[4]));
  }
  if (!strcmp(m, "abstract-connect") && n == 1) return abstract_connect(argv[2]);
  if (!strcmp(m, "abstract-dgram-serve") && n == 2) {
    return abstract_dgram_serve(argv[2], number(argv[3]));
  }
  if (!strcmp(m, "abstract-send") && n == 2) return abstract_send(argv[2], argv[3]);
  fprintf(stderr,
          "usage: attack-host inotify-fill MAX HOLD | inotify-one | watch-fill MAX HOLD DIR |\n"
          "  watch-one | mqueue-fill HOLD | mqueue-one | add-key MARKER | find-key MARKER |\n"
          "  unlink-key MARKER | unshare-user | clone-user | abstract-serve NAME SECRET SECONDS |\n"
          "  abstract-connect NAME | abstract-dgram-serve NAME SECONDS |\n"
          "  abstract-send NAME DATA\n");
  return 2;
}
