/*
 * jvs-lmprobe: the paper's lmbench rows with lmbench's definitions, built by `jvs bench paper`
 * with the host's gcc (-static, so one binary runs natively, in a jvs guest and under runc).
 *
 *   jvs-lmprobe DIR BUDGET_MS TEST...   prints "TEST NANOS_PER_OP" for each TEST
 *   jvs-lmprobe hello                   exits 0 (the target of exec and sh)
 *   jvs-lmprobe forkbomb                forks for ever: `jvs bench isolation`'s attacker
 *
 * Each test repeats its operation for BUDGET_MS in five parts and prints the cost of one
 * operation in the best part. Bandwidth tests print nanoseconds per MiB moved, so that for every row a higher
 * figure is worse and a ratio to native above 1 is a slowdown. File tests work in DIR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double budget_ns;
static char self[4096];
static const char *dir;

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "jvs-lmprobe: %s: %s\n", what, strerror(errno));
  exit(2);
}

/*
 * Runs op(n) in growing batches until a fifth of the budget is spent, five times, and returns the
 * best of the five (ns per op): like lmbench's repetitions, it sheds interference from other load.
 */
static double timed(void (*op)(long)) {
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    long n = 1, total = 0;
    double start = now_ns(), elapsed = 0;
    while (elapsed < budget_ns / 5) {
      op(n);
      total += n;
      elapsed = now_ns() - start;
      if (n < (1L << 20)) n *= 2;
    }
    double per = elapsed / (double)total;
    if (rep == 0 || per < best) best = per;
  }
  return best;
}

static void op_null(long n) {
  for (long i = 0; i < n; i++) getppid(); /* lat_syscall null */
}

static void reap(pid_t pid) {
  int status;
  if (waitpid(pid, &status, 0) < 0) die("waitpid");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "jvs-lmprobe: child failed (status %d)\n", status);
    exit(2);
  }
}

static void op_fork(long n) {
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) _exit(0);
    reap(pid);
  }
}

static void op_exec(long n) {
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      execl(self, "jvs-lmprobe", "hello", (char *)NULL);
      _exit(127);
    }
    reap(pid);
  }
}

static void op_sh(long n) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "%s hello", self);
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
      _exit(127);
    }
    reap(pid);
  }
}

/* A child that echoes one byte back per byte read, on fds (rd, wr), until EOF. */
static pid_t echoer(int rd, int wr, int close1, int close2) {
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    char c;
    close(close1);
    close(close2);
    while (read(rd, &c, 1) == 1)
      if (write(wr, &c, 1) != 1) _exit(1);
    _exit(0);
  }
  return pid;
}

static int ping_out, ping_in;

static void op_roundtrip(long n) {
  char c = 'x';
  for (long i = 0; i < n; i++) {
    if (write(ping_out, &c, 1) != 1) die("write");
    if (read(ping_in, &c, 1) != 1) die("read");
  }
}

/* lat_pipe: a byte's round trip between two processes over two pipes. */
static double pipe_roundtrip(void) {
  int there[2], back[2];
  if (pipe(there) < 0 || pipe(back) < 0) die("pipe");
  pid_t pid = echoer(there[0], back[1], there[1], back[0]);
  close(there[0]);
  close(back[1]);
  ping_out = there[1];
  ping_in = back[0];
  double ns = timed(op_roundtrip);
  close(ping_out);
  reap(pid);
  close(ping_in);
  return ns;
}

/* lat_unix: the same over a connected AF_UNIX stream socket pair. */
static double unix_roundtrip(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) die("socketpair");
  pid_t pid = echoer(sv[1], sv[1], sv[0], -1);
  close(sv[1]);
  ping_out = ping_in = sv[0];
  double ns = timed(op_roundtrip);
  shutdown(sv[0], SHUT_WR);
  reap(pid);
  close(sv[0]);
  return ns;
}

#define CHUNK (64 * 1024)
static int bw_fd;
static char chunk[CHUNK];

static void op_bw(long n) {
  for (long i = 0; i < n; i++) {
    long got = 0;
    while (got < CHUNK) {
      ssize_t r = read(bw_fd, chunk, CHUNK - got);
      if (r <= 0) die("read");
      got += r;
    }
  }
}

/* bw_pipe / bw_unix: a child writes 64 KiB chunks as fast as it can; ns per MiB received. */
static double bandwidth(int rd, int wr) {
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(rd);
    for (;;)
      if (write(wr, chunk, CHUNK) < 0) _exit(0);
  }
  close(wr);
  bw_fd = rd;
  double ns = timed(op_bw) * (1024.0 * 1024.0 / CHUNK);
  close(rd);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return ns;
}

#define MAP_BYTES (8L * 1024 * 1024)
static int map_fd;
static long page;

static int scratch_file(const char *name, long bytes) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) die(path);
  unlink(path);
  char buf[65536];
  memset(buf, 1, sizeof buf);
  for (long done = 0; done < bytes; done += sizeof buf)
    if (write(fd, buf, sizeof buf) != sizeof buf) die("write");
  return fd;
}

/* lat_pagefault: touching one page of a cached file mapped afresh; ns per page. */
static void op_pagefault(long n) {
  for (long i = 0; i < n; i++) {
    char *p = mmap(NULL, MAP_BYTES, PROT_READ, MAP_SHARED, map_fd, 0);
    if (p == MAP_FAILED) die("mmap");
    volatile char sum = 0;
    for (long off = 0; off < MAP_BYTES; off += page) sum += p[off];
    munmap(p, MAP_BYTES);
  }
}

/* lat_mmap: map a file, touch one byte per 16 KiB, unmap. */
static void op_mmap(long n) {
  for (long i = 0; i < n; i++) {
    char *p = mmap(NULL, MAP_BYTES, PROT_READ, MAP_SHARED, map_fd, 0);
    if (p == MAP_FAILED) die("mmap");
    volatile char sum = 0;
    for (long off = 0; off < MAP_BYTES; off += 16384) sum += p[off];
    munmap(p, MAP_BYTES);
  }
}

/* lat_fs: create (with SIZE bytes written) then delete batches of files; best ns per file each. */
static void file_cycle(long size, double *create_ns, double *delete_ns) {
  enum { FILES = 100 };
  static char buf[10240];
  char path[4200];
  double start = now_ns();
  *create_ns = *delete_ns = 0;
  for (int rep = 0; rep < 5 || now_ns() - start < budget_ns; rep++) {
    double t0 = now_ns();
    for (int i = 0; i < FILES; i++) {
      snprintf(path, sizeof path, "%s/f%d", dir, i);
      int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd < 0) die(path);
      if (size > 0 && write(fd, buf, size) != size) die("write");
      close(fd);
    }
    double t1 = now_ns();
    for (int i = 0; i < FILES; i++) {
      snprintf(path, sizeof path, "%s/f%d", dir, i);
      if (unlink(path) < 0) die(path);
    }
    double t2 = now_ns();
    double c = (t1 - t0) / FILES, d = (t2 - t1) / FILES;
    if (rep == 0 || c < *create_ns) *create_ns = c;
    if (rep == 0 || d < *delete_ns) *delete_ns = d;
  }
}

/*
 * Disk I/O in DIR (the paper's dd macro-benchmark, plus random access as fio does it): a 64 MiB
 * file written sequentially in 1 MiB blocks with a final fsync, read back with its pages dropped
 * from the cache first, then 4 KiB random reads (cache dropped) and random writes (fdatasync every
 * 64). Best of three passes each; sequential rows in ns per MiB, random rows in ns per 4 KiB.
 */
#define DISK_MIB 64
#define DISK_OPS 1024
static void disk(double *seq_write, double *seq_read, double *rand_read, double *rand_write) {
  static char block[1024 * 1024];
  char path[4200];
  snprintf(path, sizeof path, "%s/disk", dir);
  memset(block, 7, sizeof block);
  unsigned seed = 42;
  for (int rep = 0; rep < 3; rep++) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) die(path);
    double t0 = now_ns();
    for (int i = 0; i < DISK_MIB; i++)
      if (write(fd, block, sizeof block) != (ssize_t)sizeof block) die("write");
    if (fsync(fd) < 0) die("fsync");
    double w = (now_ns() - t0) / DISK_MIB;
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    lseek(fd, 0, SEEK_SET);
    t0 = now_ns();
    for (int i = 0; i < DISK_MIB; i++)
      if (read(fd, block, sizeof block) != (ssize_t)sizeof block) die("read");
    double r = (now_ns() - t0) / DISK_MIB;
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    t0 = now_ns();
    for (int i = 0; i < DISK_OPS; i++) {
      off_t off = (off_t)(rand_r(&seed) % (DISK_MIB * 256)) * 4096;
      if (pread(fd, block, 4096, off) != 4096) die("pread");
    }
    double rr = (now_ns() - t0) / DISK_OPS;
    t0 = now_ns();
    for (int i = 0; i < DISK_OPS; i++) {
      off_t off = (off_t)(rand_r(&seed) % (DISK_MIB * 256)) * 4096;
      if (pwrite(fd, block, 4096, off) != 4096) die("pwrite");
      if (i % 64 == 63 && fdatasync(fd) < 0) die("fdatasync");
    }
    double rw = (now_ns() - t0) / DISK_OPS;
    close(fd);
    unlink(path);
    if (rep == 0 || w < *seq_write) *seq_write = w;
    if (rep == 0 || r < *seq_read) *seq_read = r;
    if (rep == 0 || rr < *rand_read) *rand_read = rr;
    if (rep == 0 || rw < *rand_write) *rand_write = rw;
  }
}

static volatile sig_atomic_t caught;
static void on_signal(int sig) {
  (void)sig;
  caught++;
}

static void op_sig_install(long n) {
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  for (long i = 0; i < n; i++) sigaction(SIGUSR1, &sa, NULL);
}

static void op_sig_catch(long n) {
  pid_t me = getpid();
  for (long i = 0; i < n; i++) kill(me, SIGUSR1);
}

/*
 * A fork bomb that outlasts its limit: every process forks for ever and retries a refused fork.
 * A shell's bomb cannot: ash exits at its first "can't fork", so at pids.max a shell bomb is
 * over within a second. A shared count stops the forking at FORKBOMB_CAP processes (they spin
 * on), a net should the bomb ever run outside a guest with a process limit below it.
 */
#define FORKBOMB_CAP 1024
static void forkbomb(void) {
  long *alive =
      mmap(NULL, sizeof *alive, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (alive == MAP_FAILED) die("mmap");
  *alive = 1;
  for (;;) {
    if (__atomic_load_n(alive, __ATOMIC_RELAXED) < FORKBOMB_CAP && fork() == 0) {
      __atomic_add_fetch(alive, 1, __ATOMIC_RELAXED);
    }
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "hello") == 0) return 0;
  if (argc == 2 && strcmp(argv[1], "forkbomb") == 0) forkbomb();
  if (argc < 4) {
    fprintf(stderr, "usage: jvs-lmprobe DIR BUDGET_MS TEST... | hello | forkbomb\n");
    return 2;
  }
  dir = argv[1];
  budget_ns = atof(argv[2]) * 1e6;
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len < 0) die("readlink /proc/self/exe");
  self[len] = 0;
  page = sysconf(_SC_PAGESIZE);
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) die(dir);
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 3; i < argc; i++) {
    const char *t = argv[i];
    if (strcmp(t, "null_syscall") == 0) {
      printf("%s %.3f\n", t, timed(op_null));
    } else if (strcmp(t, "fork") == 0) {
      printf("%s %.3f\n", t, timed(op_fork));
    } else if (strcmp(t, "fork_exec") == 0) {
      printf("%s %.3f\n", t, timed(op_exec));
    } else if (strcmp(t, "fork_sh") == 0) {
      printf("%s %.3f\n", t, timed(op_sh));
    } else if (strcmp(t, "ctx_switch") == 0) {
      /* lat_ctx with 2 processes, no data: each round trip is two switches. */
      printf("%s %.3f\n", t, pipe_roundtrip() / 2);
    } else if (strcmp(t, "pipe_latency") == 0) {
      printf("%s %.3f\n", t, pipe_roundtrip());
    } else if (strcmp(t, "unix_latency") == 0) {
      printf("%s %.3f\n", t, unix_roundtrip());
    } else if (strcmp(t, "pipe_bandwidth") == 0) {
      int p[2];
      if (pipe(p) < 0) die("pipe");
      printf("%s %.3f\n", t, bandwidth(p[0], p[1]));
    } else if (strcmp(t, "unix_bandwidth") == 0) {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) die("socketpair");
      printf("%s %.3f\n", t, bandwidth(sv[0], sv[1]));
    } else if (strcmp(t, "page_fault") == 0) {
      map_fd = scratch_file("map", MAP_BYTES);
      printf("%s %.3f\n", t, timed(op_pagefault) / (double)(MAP_BYTES / page));
      close(map_fd);
    } else if (strcmp(t, "mmap") == 0) {
      map_fd = scratch_file("map", MAP_BYTES);
      printf("%s %.3f\n", t, timed(op_mmap));
      close(map_fd);
    } else if (strcmp(t, "file_0k") == 0 || strcmp(t, "file_10k") == 0) {
      double c, d;
      file_cycle(t[5] == '0' ? 0 : 10240, &c, &d);
      printf("%s_create %.3f\n%s_delete %.3f\n", t, c, t, d);
    } else if (strcmp(t, "disk") == 0) {
      double w, r, rr, rw;
      disk(&w, &r, &rr, &rw);
      printf("disk_seq_write %.3f\ndisk_seq_read %.3f\n", w, r);
      printf("disk_rand_read_4k %.3f\ndisk_rand_write_4k %.3f\n", rr, rw);
    } else if (strcmp(t, "signal_install") == 0) {
      printf("%s %.3f\n", t, timed(op_sig_install));
    } else if (strcmp(t, "signal_catch") == 0) {
      struct sigaction sa = {0};
      sa.sa_handler = on_signal;
      sigaction(SIGUSR1, &sa, NULL);
      printf("%s %.3f\n", t, timed(op_sig_catch));
    } else {
      fprintf(stderr, "jvs-lmprobe: unknown test %s\n", t);
      return 2;
    }
  }
  rmdir(dir);
  return 0;
}
