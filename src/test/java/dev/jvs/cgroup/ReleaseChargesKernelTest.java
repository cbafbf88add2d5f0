package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An emptied memory cgroup gives back the page cache charged to it before its rmdir: charged pages
 * would keep it alive, dying, after the rmdir (docs/evaluation.md, density). v1 memory.force_empty
 * here, v2 memory.reclaim on the cgroup v2 test host.
 */
@Tag("kernel")
@Tag("v2host")
class ReleaseChargesKernelTest {
  private static final long READ = 16L << 20;

  private CgroupDriver driver;
  private String parent;

  @BeforeEach
  void setUp() {
    driver = CgroupDriver.detect();
    parent = KernelCgroups.uniqueParent();
  }

  @AfterEach
  void tearDown() throws Exception {
    KernelCgroups.cleanUpAndAudit(driver, parent);
  }

  @Test
  void destroyReclaimsThePageCacheChargedToTheEmptiedCgroup() throws Exception {
    Cgroup cg = driver.create(parent, "reader");
    Path file = Files.createTempFile(KernelCgroups.diskDir(), "jvs-charges", ".bin");
    try {
      // written around the page cache, then read through it inside the cgroup: clean cache
      // charged there
      Process write =
          new ProcessBuilder(
                  "dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=16", "oflag=direct")
              .redirectErrorStream(true)
              .start();
      String out = new String(write.getInputStream().readAllBytes());
      assertThat(write.waitFor()).as(out).isZero();
      try (GatedProcess dd = GatedProcess.start("exec dd if=" + file + " of=/dev/null bs=1M")) {
        cg.addProcess(dd.pid());
        dd.go();
        assertThat(dd.waitFor(Duration.ofSeconds(120))).isTrue();
        assertThat(dd.exitValue()).as(dd.stderr()).isZero();
      }
      assertThat(cg.usage().memoryBytes()).as("charged by the read").isGreaterThan(READ * 3 / 4);

      switch (cg) {
        case V1Cgroup v1 -> v1.releaseCharges();
        case V2Cgroup v2 -> v2.releaseCharges();
        default -> throw new AssertionError("a cgroup of neither driver: " + cg);
      }

      assertThat(cg.usage().memoryBytes()).as("after the release").isLessThan(READ / 4);
      cg.destroy();
      assertThat(driver.find(parent, "reader")).isEmpty();
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
