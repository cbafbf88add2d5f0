package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.kernel.Capability;
import dev.jvs.runtime.MaskDirectory;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Root inside a guest is restricted (issue 2, acceptance 3 and 4): privileged (host root with
 * capabilities taken away) and unprivileged (the default: root of a user namespace).
 */
@Tag("kernel")
class RestrictedRootKernelTest {

  private static GuestName probed(TestHost host, String name, boolean privileged) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    host.guests().set(g, Map.of("security.privileged", Boolean.toString(privileged)));
    host.installProbe(g);
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  private static String probe(TestHost host, GuestName g, String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = "/probe";
    System.arraycopy(args, 0, argv, 1, args.length);
    return host.exec(g, argv).output().strip();
  }

  @ParameterizedTest(name = "security.privileged={0}")
  @ValueSource(booleans = {true, false})
  void privilegedOperationsFailInsideTheGuest(boolean privileged) throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = probed(host, "locked", privileged);
      assertThat(probe(host, g, "mount")).isEqualTo("fail EPERM");
      assertThat(probe(host, g, "finit_module")).isEqualTo("fail EPERM");
      assertThat(probe(host, g, "init_module")).isEqualTo("fail EPERM");
      assertThat(probe(host, g, "reboot")).isEqualTo("fail EPERM");
      assertThat(probe(host, g, "mknod-block")).isEqualTo("fail EPERM");
      assertThat(probe(host, g, "raw-socket")).isEqualTo("fail EPERM");
      assertThat(probe(host, g, "settime")).isEqualTo("fail EPERM");
      assertThat(probe(host, g, "settimeofday")).isEqualTo("fail EPERM");
      assertThat(probe(host, g, "unshare-user")).isEqualTo("fail EPERM");
      // This kernel may lack /proc/sysrq-trigger; where it exists it is read-only.
      boolean sysrq = Files.exists(Path.of("/proc/sysrq-trigger"));
      assertThat(probe(host, g, "sysrq")).isEqualTo(sysrq ? "fail EROFS" : "fail ENOENT");
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
    }
  }

  @ParameterizedTest(name = "security.privileged={0}")
  @ValueSource(booleans = {true, false})
  void boundingSetNoNewPrivsAndSeccompAreInPlace(boolean privileged) {
    try (TestHost host = new TestHost()) {
      GuestName g = probed(host, "caps", privileged);
      String status = host.exec(g, "cat", "/proc/self/status").output();
      long expected = Capability.mask(Capability.guestDefault());
      assertThat(status).contains(String.format("CapBnd:\t%016x", expected));
      assertThat(status).contains(String.format("CapEff:\t%016x", expected));
      assertThat(status).contains("NoNewPrivs:\t1").contains("Seccomp:\t2");
      assertThat(Capability.guestDefault())
          .doesNotContain(Capability.NET_RAW, Capability.SYS_ADMIN);
    }
  }

  @Test
  void capabilitiesAreConfigurablePerGuest() {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("rawok");
      host.guests().build(g, "busybox");
      host.installProbe(g);
      // privileged: only there does MKNOD allow a mknod (a user namespace's root never may)
      host.guests()
          .set(
              g,
              Map.of("caps.add", "NET_RAW", "caps.drop", "MKNOD", "security.privileged", "true"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(probe(host, g, "raw-socket")).isEqualTo("ok");
      assertThat(probe(host, g, "mknod-char")).isEqualTo("fail EPERM");
    }
  }

  @ParameterizedTest(name = "security.privileged={0}")
  @ValueSource(booleans = {true, false})
  @Tag("v2host") // the device filter (BPF on v2), also on the cgroup v2 test host (dev.jvs.v2host)
  void devIsMinimalAndProcAndSysAreProtected(boolean privileged) throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = probed(host, "dev1", privileged);
      assertThat(host.exec(g, "ls", "/dev").output().lines().toList())
          .containsExactlyInAnyOrder(
              "console", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr",
              "stdin", "stdout", "tty", "urandom", "zero");
      String mounts = host.exec(g, "cat", "/proc/self/mounts").output();
      assertThat(mounts)
          .contains("devpts /dev/pts devpts")
          .contains("mqueue /dev/mqueue mqueue")
          .containsPattern("sysfs /sys sysfs ro,")
          // a directory of /dev's tmpfs bound onto itself: no superblock of its own
          .containsPattern("tmpfs /dev/shm tmpfs rw,nosuid,nodev,noexec");
      assertThat(host.exec(g, "stat", "-c", "%a", "/dev/shm").output().strip()).isEqualTo("1777");
      assertThat(host.exec(g, "sh", "-c", "echo x > /dev/shm/f && cat /dev/shm/f").output())
          .isEqualTo("x\n");
      // the masked directories show the host's empty directory through read-only binds (no
      // superblock of their own), and none can be written: the host's stays empty
      for (String masked : GuestPlans.MASKED_DIRS) {
        if (Files.isDirectory(Path.of(masked))) {
          assertThat(host.exec(g, "ls", "-A", masked).output()).as(masked).isEmpty();
          assertThat(host.exec(g, "mkdir", masked + "/x").code()).as(masked).isNotZero();
          assertThat(mounts).containsPattern(" " + masked + " \\S+ ro,nosuid,nodev,noexec");
        }
      }
      try (var left = Files.list(MaskDirectory.PATH)) {
        assertThat(left).isEmpty();
      }
      assertThat(host.exec(g, "sh", "-c", "echo x > /proc/sys/kernel/hostname").code()).isNotZero();
      assertThat(host.exec(g, "touch", "/sys/kernel/x").code()).isNotZero();
      if (Files.exists(Path.of("/proc/timer_list"))) {
        assertThat(host.exec(g, "cat", "/proc/timer_list").output()).isEmpty();
      }
      if (privileged) {
        // A character device node can be made, but the device cgroup forbids opening it.
        assertThat(probe(host, g, "mknod-char")).isEqualTo("ok");
        assertThat(probe(host, g, "open-mem")).isEqualTo("fail EPERM");
      } else {
        // The kernel refuses mknod to a user namespace's root: there is no node to open.
        assertThat(probe(host, g, "mknod-char")).isEqualTo("fail EPERM");
        assertThat(probe(host, g, "open-mem")).isEqualTo("fail ENOENT");
      }
      assertThat(host.exec(g, "head", "-c", "4", "/dev/urandom").code()).isZero();
    }
  }
}
