package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.limits.CgroupLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * memoryHigh is a soft limit on both drivers: usage may pass it and nothing is OOM-killed. On v2
 * (the cgroup v2 test host) memory.high also reclaims the cgroup back down to it at once; v1's soft
 * limit only does so under host memory pressure (docs/cgroups.md).
 */
@Tag("kernel")
@Tag("v2host") // also runs on the cgroup v2 test host (dev.jvs.v2host)
class MemoryHighKernelTest {
  private static final long HIGH = 32L << 20;
  private static final int READ_MIB = 64;

  private final CgroupDriver driver = CgroupDriver.detect();
  private final String parent = KernelCgroups.uniqueParent();

  @AfterEach
  void cleanUp() throws IOException {
    KernelCgroups.cleanUpAndAudit(driver, parent);
  }

  @Test
  void pageCacheBeyondMemoryHighIsNeverOomKilled() throws Exception {
    Cgroup cg = driver.create(parent, "soft");
    cg.apply(CgroupLimits.none().withMemoryHigh(HIGH));
    Path limitFile =
        switch (driver) {
          case CgroupV1Driver v1 ->
              KernelCgroups.CGROUP_FS
                  .resolve("memory")
                  .resolve(parent)
                  .resolve("soft/memory.soft_limit_in_bytes");
          case CgroupV2Driver v2 -> v2.root().resolve(parent).resolve("soft/memory.high");
        };
    assertThat(KernelCgroups.read(limitFile)).isEqualTo(Long.toString(HIGH));

    // A file on a disk-backed filesystem written with O_DIRECT (so not cached), then read
    // through the page cache inside the cgroup: fresh, reclaimable cache charged there.
    Path file = Files.createTempFile(KernelCgroups.diskDir(), "jvs-memory-high", ".bin");
    CgroupUsage u;
    try {
      Process write =
          new ProcessBuilder(
                  "dd",
                  "if=/dev/zero",
                  "of=" + file,
                  "bs=1M",
                  "count=" + READ_MIB,
                  "oflag=direct",
                  "conv=fsync")
              .redirectErrorStream(true)
              .start();
      String out = new String(write.getInputStream().readAllBytes());
      assertThat(write.waitFor()).as(out).isZero();
      try (GatedProcess dd = GatedProcess.start("exec dd if=" + file + " of=/dev/null bs=1M")) {
        cg.addProcess(dd.pid());
        dd.go();
        assertThat(dd.waitFor(Duration.ofSeconds(60))).isTrue();
        assertThat(dd.exitValue()).as(dd.stderr()).isZero();
      }
      u = cg.usage(); // before the file goes, and its page cache with it
    } finally {
      Files.deleteIfExists(file);
    }
    System.out.printf(
        "memory high %d MiB, %d MiB read: peak %d MiB, now %d MiB%n",
        HIGH >> 20, READ_MIB, u.memoryPeakBytes() >> 20, u.memoryBytes() >> 20);
    assertThat(u.oomKills()).isZero();
    assertThat(u.memoryPeakBytes()).as("a soft limit lets usage pass it").isGreaterThan(HIGH);
    if (driver instanceof CgroupV2Driver v2) {
      Path soft = v2.root().resolve(parent).resolve("soft");
      assertThat(KeyedValues.parse(KernelCgroups.read(soft.resolve("memory.events"))))
          .as("v2 reclaimed at memory.high")
          .hasEntrySatisfying("high", n -> assertThat(n).isPositive());
      assertThat(u.memoryBytes()).isLessThanOrEqualTo(HIGH + (4L << 20));
    }
  }
}
