package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.DeviceRate;
import dev.jvs.testing.CgroupFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * I/O limits on this host's first disk, through whichever driver it uses: v1 blkio here, io.max and
 * io.weight on the cgroup v2 test host, whose virtio disk (/dev/vda) is there for this.
 */
@Tag("kernel")
@Tag("v2host") // also runs on the cgroup v2 test host (dev.jvs.v2host)
class IoLimitKernelTest {
  private final CgroupDriver driver = CgroupDriver.detect();
  private final String parent = KernelCgroups.uniqueParent();

  @AfterEach
  void cleanUp() throws IOException {
    KernelCgroups.cleanUpAndAudit(driver, parent);
  }

  @Test
  void readCapThrottlesDirectReadsOfTheDisk() throws Exception {
    TestDisk disk = TestDisk.first();
    assumeTrue(
        disk.readable(),
        "this host forbids opening "
            + disk.path()
            + " (the cgroup v2 test host's virtio disk allows it)");
    Cgroup cg = driver.create(parent, "reader");
    cg.apply(
        CgroupLimits.none()
            .withIoReadBps(List.of(new DeviceRate(disk.major(), disk.minor(), 1L << 20))));
    // 4 MiB at 1 MiB/s, bypassing the page cache; unthrottled it takes milliseconds.
    try (GatedProcess dd =
        GatedProcess.start(
            "exec dd if=" + disk.path() + " of=/dev/null bs=256k count=16 iflag=direct")) {
      cg.addProcess(dd.pid());
      long t0 = System.nanoTime();
      dd.go();
      assertThat(dd.waitFor(Duration.ofSeconds(60))).isTrue();
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(dd.exitValue()).as(dd.stderr()).isZero();
      System.out.printf("4 MiB from /dev/%s capped at 1 MiB/s: %.1f s%n", disk.name(), seconds);
      assertThat(seconds).as("read time under a 1 MiB/s cap").isGreaterThan(2.5);
    }
  }

  @Test
  void ioWeightLandsInTheFileThisKernelWeighsBy() throws Exception {
    assumeTrue(CgroupFiles.ioWeightAvailable(), "this kernel has no I/O scheduler with a weight");
    Cgroup cg = driver.create(parent, "weighted");
    cg.apply(CgroupLimits.none().withIoWeight(500));
    switch (driver) {
      case CgroupV1Driver v1 ->
          // BFQ's scale is 10..1000: 10 + (500 - 1) * 990 / 9999 = 59.
          assertThat(
                  KernelCgroups.read(
                      KernelCgroups.CGROUP_FS
                          .resolve("blkio")
                          .resolve(parent)
                          .resolve("weighted/blkio.bfq.weight")))
              .contains("59");
      case CgroupV2Driver v2 -> {
        Path dir = v2.root().resolve(parent).resolve("weighted");
        // iocost's io.weight where the kernel has it, else BFQ's io.bfq.weight (both 1..1000 here).
        Path file =
            dir.resolve(Files.exists(dir.resolve("io.weight")) ? "io.weight" : "io.bfq.weight");
        assertThat(KernelCgroups.read(file)).contains("default 500");
      }
    }
  }
}
