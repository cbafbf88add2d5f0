package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Each isolation property asserted from inside a guest (issue 2, acceptance 2). */
@Tag("kernel")
class IsolationKernelTest {

  @Test
  void pidNamespaceShowsOnlyTheGuestAndCannotSignalOutside() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName a = host.systemGuest("pida");
      GuestName b = host.systemGuest("pidb");
      Process hostSleeper = new ProcessBuilder("sleep", "60").start();
      try {
        TestHost.Run ps = host.exec(a, "ps", "-o", "pid,comm");
        assertThat(ps.output().lines().skip(1).map(l -> l.strip().split("\\s+")[1]))
            .containsExactly("init", "ps");
        assertThat(ps.output()).containsPattern("(?m)^\\s*1 init$");
        long bInit = host.guests().status(b).initPid();
        assertThat(host.exec(a, "kill", "-0", Long.toString(hostSleeper.pid())).code()).isNotZero();
        assertThat(host.exec(a, "kill", "-9", Long.toString(bInit)).code()).isNotZero();
        assertThat(hostSleeper.isAlive()).isTrue();
        assertThat(host.guests().status(b).state()).isEqualTo(GuestStatus.State.RUNNING);
      } finally {
        hostSleeper.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void mountNamespaceHidesTheHostAndTheOldRoot() throws Exception {
    try (TestHost host = new TestHost()) {
      Path marker = Files.createTempFile(Path.of("/tmp"), "jvs-host-marker", "");
      try {
        GuestName g = GuestName.of("mnt");
        host.guests().build(g, "busybox");
        host.installProbe(g);
        host.guests().start(g, java.util.List.of(), Guests.Attach.DETACHED);
        assertThat(host.exec(g, "ls", marker.toString()).code()).isNotZero();
        String mounts = host.exec(g, "cat", "/proc/self/mountinfo").output();
        // Old root detached: exactly one root mount, and no mount point from the host's tree.
        assertThat(mounts.lines().map(l -> l.split(" ")[4]))
            .containsOnlyOnce("/")
            .noneMatch(mp -> mp.startsWith(host.base().toString()) || mp.startsWith("/tmp/"));
        TestHost.Run escape = host.exec(g, "/probe", "chroot-escape");
        // After the classic double chroot, "/" is still the guest's own root (it has /probe).
        assertThat(escape.output())
            .contains("probe")
            .doesNotContain("lib64")
            .doesNotContain("work");
      } finally {
        Files.deleteIfExists(marker);
      }
    }
  }

  @Test
  @Tag("v2host") // the cgroup namespace view, also on the cgroup v2 test host (dev.jvs.v2host)
  void utsIpcAndCgroupNamespacesAreTheGuests() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("uts1");
      host.guests().build(g, "busybox");
      host.installProbe(g);
      host.guests().start(g, java.util.List.of(), Guests.Attach.DETACHED);
      String hostName = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      assertThat(host.exec(g, "hostname").output().strip()).isEqualTo("uts1");
      // Changing it needs CAP_SYS_ADMIN, which the guest lacks; either way the host's is unchanged.
      host.exec(g, "hostname", "changed");
      assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip())
          .isEqualTo(hostName);

      String ipcNs = Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString();
      assertThat(host.exec(g, "readlink", "/proc/self/ns/ipc").output().strip())
          .isNotEqualTo(ipcNs);
      assertThat(host.exec(g, "/probe", "ipc-find").output()).isEqualTo("fail ENOENT\n");
      assertThat(host.exec(g, "/probe", "ipc-create").output()).isEqualTo("ok\n");
      assertThat(host.exec(g, "/probe", "ipc-find").output()).isEqualTo("ok\n");
      // 0x4a5653 in decimal, as /proc/sysvipc/shm lists keys: the host does not see it.
      assertThat(Files.readString(Path.of("/proc/sysvipc/shm"))).doesNotContain(" 4871763 ");

      String cgroups = host.exec(g, "cat", "/proc/self/cgroup").output();
      assertThat(cgroups.lines()).allSatisfy(l -> assertThat(l).endsWith(":/"));
    }
  }

  @Test
  void networkNamespaceHasOnlyLoopbackUp() {
    try (TestHost host = new TestHost()) {
      GuestName g = host.systemGuest("net1");
      String links = host.exec(g, "ip", "-o", "link").output();
      assertThat(links.lines()).hasSize(1);
      assertThat(links).contains("lo:").contains("UP");
      assertThat(
              host.exec(g, "sh", "-c", "nc -l -p 7000 -e echo pong & sleep 0.2; nc 127.0.0.1 7000")
                  .output())
          .contains("pong");
    }
  }
}
