package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvs.limits.CgroupLimits;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, acceptance 7: io.weight splits a contended device by weight. Two cgroups read the same
 * loop device (the test's own) with O_DIRECT at once; the one with io.weight=1000 must get at least
 * twice the bytes of the one with io.weight=100, while with equal weights neither gets twice the
 * other (so the split is the weights' doing). What weighs: BFQ, selected on that device alone, on
 * cgroup v1 (blkio.bfq.weight); iocost, enabled on that device alone with a fixed cost model, on
 * cgroup v2 (io.weight). In the cgroup v2 test host BFQ showed the split too (3.3:1) but not
 * reliably: its emulated CPU, not its host-cached disk, is the bottleneck there when the host is
 * loaded, so the device is rarely backlogged (docs/templates.md).
 */
@Tag("kernel")
@Tag("v2host") // also runs on the cgroup v2 test host (dev.jvs.v2host)
class IoWeightKernelTest {
  private static final int SAMPLE_SCALE = Integer.getInteger("jvs.test.sampleScale", 1);
  private static final Duration WINDOW = Duration.ofSeconds(5L * SAMPLE_SCALE);
  private static final Pattern BYTES = Pattern.compile("(?m)^(\\d+) bytes");

  private final CgroupDriver driver = CgroupDriver.detect();
  private final String parent = KernelCgroups.uniqueParent();

  @AfterEach
  void cleanUp() throws IOException {
    KernelCgroups.cleanUpAndAudit(driver, parent);
  }

  /** Bytes read by each of two cgroups with these io.weight values in the same window. */
  private record Split(int weightA, int weightB, long bytesA, long bytesB) {
    double ratio() {
      return (double) bytesA / Math.max(1, bytesB);
    }

    @Override
    public String toString() {
      return String.format(
          "io.weight %d:%d -> %.1f:%.1f MiB, ratio %.2f",
          weightA, weightB, bytesA / 1048576.0, bytesB / 1048576.0, ratio());
    }
  }

  @Test
  void theHeavierWeightReadsClearlyMoreOfAContendedDevice() throws Exception {
    try (WeighedLoopDevice dev = WeighedLoopDevice.create(KernelCgroups.diskDir(), 64L << 20)) {
      String mechanism =
          switch (driver) {
            case CgroupV1Driver v1 -> dev.useBfq() ? "bfq" : null;
            case CgroupV2Driver v2 -> dev.useIocost(v2.root(), 8_000_000) ? "iocost 8 MB/s" : null;
          };
      assumeTrue(
          mechanism != null,
          "this kernel offers nothing to weigh "
              + dev.path()
              + " with (v1: no BFQ scheduler; v2: no iocost)");
      assertThat(dev.directIo()).as("loop device with direct I/O").isTrue();
      Split equal = contend(dev, "equal", 100, 100);
      Split weighted = contend(dev, "weighted", 1000, 100);
      System.out.printf(
          "%s, %s, %d s of O_DIRECT reads each: %s; %s%n",
          dev.path(), mechanism, WINDOW.toSeconds(), equal, weighted);
      assertThat(weighted.bytesB()).as("the light reader still progresses").isPositive();
      assertThat(weighted.ratio()).as(weighted.toString()).isGreaterThanOrEqualTo(2.0);
      assertThat(equal.ratio()).as(equal.toString()).isBetween(0.5, 2.0);
    }
  }

  /** Two dd loops, one per cgroup, reading {@code dev} with O_DIRECT for {@link #WINDOW}. */
  private Split contend(WeighedLoopDevice dev, String phase, int weightA, int weightB)
      throws Exception {
    List<GatedProcess> readers = new ArrayList<>();
    try {
      for (int weight : List.of(weightA, weightB)) {
        Cgroup cg = driver.create(parent, phase + "-" + readers.size());
        cg.apply(CgroupLimits.none().withIoWeight(weight));
        // SIGINT from timeout(1) reaches dd too, which prints its total before it goes.
        GatedProcess reader =
            GatedProcess.start(
                "exec timeout -s INT "
                    + WINDOW.toSeconds()
                    + " sh -c 'while :; do"
                    + " dd if="
                    + dev.path()
                    + " of=/dev/null bs=64k iflag=direct || exit; done'");
        readers.add(reader);
        cg.addProcess(reader.pid());
      }
      for (GatedProcess r : readers) {
        r.go();
      }
      for (GatedProcess r : readers) {
        assertThat(r.waitFor(WINDOW.plusSeconds(30))).as("reader ends after its window").isTrue();
      }
      return new Split(weightA, weightB, bytes(readers.get(0)), bytes(readers.get(1)));
    } finally {
      for (GatedProcess r : readers) {
        r.close();
      }
    }
  }

  /** The sum of dd's "N bytes … copied" lines: one per pass over the device, the last cut. */
  private static long bytes(GatedProcess reader) {
    Matcher m = BYTES.matcher(reader.stderr());
    long sum = 0;
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    assertThat(sum).as("dd read nothing: %s", reader.stderr()).isPositive();
    return sum;
  }
}
