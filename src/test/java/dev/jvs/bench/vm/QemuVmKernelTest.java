package dev.jvs.bench.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.image.BusyboxTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VM contender on the real QEMU (TCG here): Debian's kernel boots the busybox template as its
 * initramfs, runs commands sent over the virtio-serial port with their output and status, and
 * leaves no QEMU process behind, also when it cannot boot. Timings are never asserted.
 */
@Tag("kernel")
class QemuVmKernelTest {
  @TempDir static Path dir;
  private static DebianKernel kernel;
  private static Path initramfs;

  @BeforeAll
  static void image() {
    kernel = DebianKernel.fetch(dir.resolve("kernel"));
    Path rootfs = dir.resolve("rootfs");
    BusyboxTemplate.build(rootfs);
    initramfs =
        VmImage.build(
            dir.resolve("image"),
            kernel,
            rootfs,
            Map.of(Path.of("/bin/true"), "/usr/local/bin/jvs-marker"),
            List.of());
  }

  private static QemuVm.Spec spec(Path initrd, Optional<QemuVm.Nic> nic) {
    return new QemuVm.Spec(
        kernel, initrd, Accelerator.detect("qemu-system-x86_64", kernel), 128, 1, nic, Map.of());
  }

  @Test
  void bootsTheTemplateAndRunsCommandsWithTheirOutputAndStatusAndANicInANetnsOfItsOwn()
      throws Exception {
    String tag = Long.toHexString(ProcessHandle.current().pid());
    String netns = "jvsvt" + tag;
    String tap = "jvsvq" + tag;
    sh("ip netns add " + netns);
    long pid;
    try (QemuVm vm =
        QemuVm.boot(
            spec(initramfs, Optional.of(new QemuVm.Nic(netns, tap, "198.19.250.2/30"))),
            dir.resolve("vm"))) {
      pid = vm.pid();
      // the tap is QEMU's, inside the namespace: traffic never touches the host's links
      assertThat(Files.exists(Path.of("/sys/class/net/" + tap))).isFalse();
      sh("ip netns exec " + netns + " ip addr add 198.19.250.1/30 dev " + tap);
      sh("ip netns exec " + netns + " ip link set " + tap + " up");
      assertThat(vm.run("ping -c 1 -W 20 198.19.250.1", Duration.ofMinutes(1)).exitCode()).isZero();
      assertThat(vm.bootTime()).isPositive();
      assertThat(vm.check("uname -r", Duration.ofMinutes(1)).strip()).isEqualTo(kernel.version());
      QemuVm.Result r = vm.run("echo out; echo err >&2; exit 3", Duration.ofMinutes(1));
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.output()).isEqualTo("out\nerr\n");
      // the image holds the files a benchmark adds, and the same busybox as the guests
      assertThat(vm.run("test -x /usr/local/bin/jvs-marker", Duration.ofMinutes(1)).exitCode())
          .isZero();
      assertThat(vm.check("cat /proc/cmdline", Duration.ofMinutes(1))).contains("console=ttyS0");
      assertThatThrownBy(() -> vm.check("false", Duration.ofMinutes(1)))
          .isInstanceOf(JvsException.class)
          .hasMessageContaining("`false` exited 1");
      assertThat(vm.rssKib()).isPositive();
      assertThat(vm.cpuSeconds()).isPositive();
    } finally {
      sh("ip netns del " + netns + " 2>/dev/null || true");
    }
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(qemusUnder(dir)).isEmpty();
    assertThat(sh("ip netns list")).doesNotContain(netns);
  }

  private static String sh(String command) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(command + ": " + out).isZero();
    return out;
  }

  @Test
  void aVmThatCannotBootIsAOneLineErrorAndLeavesNoQemu() throws Exception {
    Path bad = dir.resolve("garbage.cpio");
    Files.writeString(bad, "not an initramfs\n");
    assertThatThrownBy(() -> QemuVm.boot(spec(bad, Optional.empty()), dir.resolve("bad")))
        .isInstanceOf(JvsException.class)
        .hasMessageStartingWith("vm: ")
        .hasMessageContaining("the VM went away booting")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(qemusUnder(dir)).isEmpty();
  }

  /** QEMU processes whose command line names a file under {@code dir}. */
  private static List<Long> qemusUnder(Path dir) {
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(ProcessHandle::isAlive)
          .filter(
              p ->
                  p.info()
                      .arguments()
                      .map(a -> String.join(" ", a).contains(dir.toString()))
                      .orElse(false))
          .map(ProcessHandle::pid)
          .toList();
    }
  }
}
