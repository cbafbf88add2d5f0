/* probe: test helper run inside guests. Each subcommand tries one privileged or isolating
 * operation and prints "ok" or "fail <errno-name>" so tests assert exact outcomes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int result(int rc) {
  if (rc == 0) {
    puts("ok");
    return 0;
  }
  printf("fail %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
  return 1;
}

static int chroot_escape(void) {
  /* The classic escape: chroot into a subdirectory without chdir, walk up, chroot again. */
  mkdir("/jvs-escape", 0755);
  if (chroot("/jvs-escape") != 0) return result(-1);
  for (int i = 0; i < 64; i++) chdir("..");
  if (chroot(".") != 0) return result(-1);
  /* Print what "/" is now, so the test can tell whether it is the host's root. */
  execl("/bin/ls", "ls", "/", (char *)NULL);
  return result(-1);
}

static int hog(long mib) {
  long size = mib << 20;
  char *p = malloc(size);
  if (!p) return result(-1);
  for (long i = 0; i < size; i += 4096) p[i] = 1;
  puts("allocated");
  return 0;
}

/* Grows by step MiB every ms milliseconds up to max MiB, touching every page, then holds it. */
static int grow(long step, long max, long ms) {
  for (long total = 0; total < max; total += step) {
    char *p = malloc(step << 20);
    if (!p) return result(-1);
    for (long i = 0; i < (step << 20); i += 4096) p[i] = 1;
    printf("grown %ld\n", total + step);
    usleep(ms * 1000);
  }
  for (;;) pause();
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: probe CHECK\n");
    return 2;
  }
  const char *c = argv[1];
  setvbuf(stdout, NULL, _IONBF, 0);
  if (!strcmp(c, "mount")) return result(mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
  if (!strcmp(c, "finit_module")) {
    int fd = open("/bin/busybox", O_RDONLY);
    return result((int)syscall(SYS_finit_module, fd, "", 0));
  }
  if (!strcmp(c, "init_module")) {
    static char image[64];
    return result((int)syscall(SYS_init_module, image, sizeof image, ""));
  }
  if (!strcmp(c, "reboot")) return result(reboot(RB_POWER_OFF));
  if (!strcmp(c, "mknod-block")) return result(mknod("/tmp/blk", S_IFBLK | 0600, makedev(8, 0)));
  if (!strcmp(c, "mknod-char")) return result(mknod("/tmp/mem", S_IFCHR | 0600, makedev(1, 1)));
  if (!strcmp(c, "open-mem")) return result(open("/tmp/mem", O_RDONLY) < 0 ? -1 : 0);
  if (!strcmp(c, "raw-socket")) return result(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) < 0 ? -1 : 0);
  if (!strcmp(c, "settime")) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return result(clock_settime(CLOCK_REALTIME, &ts));
  }
  if (!strcmp(c, "settimeofday")) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return result(settimeofday(&tv, NULL));
  }
  if (!strcmp(c, "sysrq")) {
    int fd = open("/proc/sysrq-trigger", O_WRONLY);
    if (fd < 0) return result(-1);
    return result(write(fd, "h", 1) == 1 ? 0 : -1);
  }
  if (!strcmp(c, "unshare-user")) return result(unshare(CLONE_NEWUSER));
  if (!strcmp(c, "chroot-escape")) return chroot_escape();
  /* System V IPC under the key 0x4a5653 ("JVS"), to show the IPC namespace is private. */
  if (!strcmp(c, "ipc-create")) return result(shmget(0x4a5653, 4096, IPC_CREAT | 0600) < 0 ? -1 : 0);
  if (!strcmp(c, "ipc-find")) return result(shmget(0x4a5653, 0, 0) < 0 ? -1 : 0);
  if (!strcmp(c, "mlock") && argc > 2) {
    long size = atol(argv[2]) << 20;
    char *p = malloc(size);
    return result(p ? mlock(p, size) : -1);
  }
  if (!strcmp(c, "hog") && argc > 2) return hog(atol(argv[2]));
  if (!strcmp(c, "grow") && argc > 4) return grow(atol(argv[2]), atol(argv[3]), atol(argv[4]));
  fprintf(stderr, "probe: unknown check %s\n", c);
  return 2;
}
