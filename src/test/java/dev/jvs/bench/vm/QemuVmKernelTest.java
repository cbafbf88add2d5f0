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

  private static QemuVm.Spec spec(Path initrd) {
    return new QemuVm.Spec(
        kernel,
        initrd,
        Accelerator.detect("qemu-system-x86_64"),
        128,
        1,
        Optional.empty(),
        Map.of());
  }

  @Test
  void bootsTheTemplateAndRunsCommandsWithTheirOutputAndStatus() {
    long pid;
    try (QemuVm vm = QemuVm.boot(spec(initramfs), dir.resolve("vm"))) {
      pid = vm.pid();
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
    }
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(qemusUnder(dir)).isEmpty();
  }

  @Test
  void aVmThatCannotBootIsAOneLineErrorAndLeavesNoQemu() throws Exception {
    Path bad = dir.resolve("garbage.cpio");
    Files.writeString(bad, "not an initramfs\n");
    assertThatThrownBy(() -> QemuVm.boot(spec(bad), dir.resolve("bad")))
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
