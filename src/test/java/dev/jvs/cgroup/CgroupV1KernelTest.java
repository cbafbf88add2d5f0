package dev.jvs.cgroup;

import static dev.jvs.cgroup.KernelCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.DeviceRate;
import dev.jvs.limits.DeviceRule;
import dev.jvs.testing.CgroupFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The v1 driver on this hybrid host's real hierarchies (root required). */
@Tag("kernel")
class CgroupV1KernelTest {
  private static final Path FS = KernelCgroups.CGROUP_FS;

  private CgroupDriver driver;
  private String parent;

  @BeforeEach
  void setUp() {
    driver = CgroupDriver.detect();
    assumeThat(driver.kind()).as("needs a v1 host").isEqualTo("v1");
    parent = KernelCgroups.uniqueParent();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (parent != null) {
      KernelCgroups.cleanUpAndAudit(driver, parent);
    }
  }

  private Path dir(String hierarchy, String name) {
    return FS.resolve(hierarchy).resolve(parent).resolve(name);
  }

  @Test
  void createApplyAddProcessAndWatchUsage() throws Exception {
    Cgroup cg = driver.create(parent, "web1");
    boolean weighs = CgroupFiles.ioWeightAvailable(); // no BFQ in some kernels
    CgroupLimits limits =
        CgroupLimits.none()
            .withCpuShares(512L)
            .withCpuLimitPercent(20)
            .withCpuCpus("0")
            .withMemoryMax(256L << 20)
            .withMemorySwapMax(0L)
            .withPidsMax(100L)
            .withIoReadBps(List.of(new DeviceRate(254, 0, 1 << 20)));
    cg.apply(weighs ? limits.withIoWeight(100) : limits);

    assertThat(cg.path()).isEqualTo("/" + parent + "/web1");
    assertThat(read(dir("cpu", "web1").resolve("cpu.shares"))).isEqualTo("512");
    assertThat(read(dir("cpu", "web1").resolve("cpu.cfs_quota_us"))).isEqualTo("20000");
    assertThat(read(dir("cpuset", "web1").resolve("cpuset.cpus"))).isEqualTo("0");
    assertThat(read(dir("memory", "web1").resolve("memory.limit_in_bytes"))).isEqualTo("268435456");
    assertThat(read(dir("memory", "web1").resolve("memory.memsw.limit_in_bytes")))
        .isEqualTo("268435456");
    assertThat(read(dir("pids", "web1").resolve("pids.max"))).isEqualTo("100");
    if (weighs) {
      assertThat(read(dir("blkio", "web1").resolve("blkio.bfq.weight"))).contains("19");
    }
    assertThat(read(dir("blkio", "web1").resolve("blkio.throttle.read_bps_device")))
        .isEqualTo("254:0 1048576");

    // Memory charged before the move stays behind on v1, so allocate (a 600 KB string) after it.
    try (GatedProcess busy = GatedProcess.start("a=$(seq 100000); while :; do :; done")) {
      cg.addProcess(busy.pid());
      busy.go();
      assertThat(cg.pids()).contains(busy.pid());
      // seq runs inside too, briefly.
      assertThat(Polling.await(() -> cg.pids().equals(List.of(busy.pid())), Duration.ofSeconds(5)))
          .isTrue();
      assertThat(Files.readString(Path.of("/proc/" + busy.pid() + "/cgroup")))
          .contains("memory:/" + parent + "/web1")
          .contains("pids:/" + parent + "/web1")
          .contains("0::/" + parent + "/web1");
      Thread.sleep(600);

      CgroupUsage u = cg.usage();
      assertThat(u.cpuNanos()).isPositive();
      assertThat(u.memoryBytes()).isPositive();
      assertThat(u.memoryPeakBytes()).isGreaterThanOrEqualTo(u.memoryBytes());
      assertThat(u.pids()).isEqualTo(1);
      assertThat(u.oomKills()).isZero();
      // On a busy host the loop may get under 20% of a CPU for a while: wait for a throttle.
      assertThat(
              Polling.await(
                  () -> throttled(dir("cpu", "web1").resolve("cpu.stat")), Duration.ofSeconds(20)))
          .as("20% quota throttles a busy loop")
          .isTrue();

      cg.killAll(Duration.ofSeconds(5));
      assertThat(cg.pids()).isEmpty();
      assertThat(busy.waitFor(Duration.ofSeconds(5))).isTrue();
      assertThat(busy.exitValue()).isEqualTo(128 + 9);
    }
    cg.destroy();
    cg.destroy();
    assertThat(dir("memory", "web1")).doesNotExist();
    assertThat(FS.resolve("unified").resolve(parent).resolve("web1")).doesNotExist();
  }

  @Test
  void pidsMaxStopsForks() throws Exception {
    Cgroup cg = driver.create(parent, "forker");
    cg.apply(CgroupLimits.none().withPidsMax(10L));

    try (GatedProcess p = GatedProcess.start("for i in $(seq 50); do sleep 30 & done")) {
      cg.addProcess(p.pid());
      p.go();
      assertThat(p.waitFor(Duration.ofSeconds(20))).isTrue();

      // The orphaned sleeps stay inside; the kernel refused every fork beyond ten tasks.
      assertThat(cg.usage().pids()).isBetween(1L, 10L);
      assertThat(KeyedValues.parse(read(dir("pids", "forker").resolve("pids.events"))))
          .hasEntrySatisfying("max", n -> assertThat(n).isPositive());
      assertThat(p.stderr()).containsIgnoringCase("fork");

      cg.killAll(Duration.ofSeconds(5));
      assertThat(cg.pids()).isEmpty();
    }
  }

  @Test
  void memoryLimitOomKillsAHog() throws Exception {
    Cgroup cg = driver.create(parent, "hog");
    cg.apply(CgroupLimits.none().withMemoryMax(64L << 20).withMemorySwapMax(0L));

    try (GatedProcess hog = GatedProcess.start("exec tail /dev/zero")) {
      cg.addProcess(hog.pid());
      hog.go();
      assertThat(hog.waitFor(Duration.ofSeconds(30))).isTrue();

      assertThat(hog.exitValue()).as("SIGKILL by the OOM killer").isEqualTo(128 + 9);
      CgroupUsage u = cg.usage();
      assertThat(u.oomKills()).isPositive();
      assertThat(u.memoryPeakBytes()).isGreaterThan(60L << 20).isLessThanOrEqualTo(64L << 20);
    }
  }

  @Test
  void killAllStopsAForkLoop() throws Exception {
    Cgroup cg = driver.create(parent, "loop");
    cg.apply(CgroupLimits.none().withPidsMax(64L));

    try (GatedProcess p = GatedProcess.start("while :; do sleep 30 & done")) {
      cg.addProcess(p.pid());
      p.go();
      Thread.sleep(300);
      assertThat(cg.pids().size()).isGreaterThan(5);

      cg.killAll(Duration.ofSeconds(10));

      assertThat(cg.pids()).isEmpty();
      assertThat(read(dir("freezer", "loop").resolve("freezer.state"))).isEqualTo("THAWED");
    }
  }

  @Test
  void pidsIncludeProcessesInNestedCgroupsAndLeavesNeedNoListing() throws Exception {
    Cgroup cg = driver.create(parent, "outer");
    Path nested = dir("freezer", "outer").resolve("inner"); // as a guest's own systemd makes one
    Files.createDirectory(nested);
    try (GatedProcess top = GatedProcess.start("sleep 30");
        GatedProcess inner = GatedProcess.start("sleep 30")) {
      cg.addProcess(top.pid());
      Files.writeString(nested.resolve("cgroup.procs"), Long.toString(inner.pid()));

      assertThat(cg.pids()).containsExactlyInAnyOrder(top.pid(), inner.pid());
      assertThat(new KernelCgroupFs().subdirs(dir("freezer", "outer"))).containsExactly(nested);
      assertThat(new KernelCgroupFs().subdirs(nested)).isEmpty();

      Files.writeString(
          dir("freezer", "outer").resolve("cgroup.procs"), Long.toString(inner.pid()));
      Files.delete(nested);
      assertThat(new KernelCgroupFs().subdirs(dir("freezer", "outer"))).isEmpty();
      assertThat(cg.pids()).containsExactlyInAnyOrder(top.pid(), inner.pid());
    }
  }

  @Test
  void devicesAreAnAllowList() throws Exception {
    Cgroup cg = driver.create(parent, "dev");
    cg.apply(
        CgroupLimits.none()
            .withDevices(List.of(DeviceRule.chr(1, 3), new DeviceRule('c', 1, 9, "r"))));

    assertThat(read(dir("devices", "dev").resolve("devices.list"))).isEqualTo("c 1:3 rwm\nc 1:9 r");

    try (GatedProcess p =
        GatedProcess.start(
            "cat /dev/null && echo null-ok; head -c1 /dev/urandom >/dev/null && echo urandom-ok;"
                + " head -c1 /dev/zero")) {
      cg.addProcess(p.pid());
      p.go();
      assertThat(p.waitFor(Duration.ofSeconds(10))).isTrue();
      assertThat(p.stdout()).isEqualTo("null-ok\nurandom-ok\n");
      assertThat(p.stderr()).contains("/dev/zero").contains("Operation not permitted");
    }
  }

  @Test
  void findChildrenDestroyAndParentRemoval() throws Exception {
    Cgroup a = driver.create(parent, "a");
    driver.create(parent, "b");
    driver.create(parent, "b");

    assertThat(driver.children(parent)).containsExactly("a", "b");
    assertThat(driver.find(parent, "a")).map(Cgroup::path).contains("/" + parent + "/a");
    assertThat(driver.find(parent, "zzz")).isEmpty();
    assertThat(a.bpfDir()).contains(FS.resolve("unified").resolve(parent).resolve("a"));

    driver.removeParentIfEmpty(parent);
    assertThat(FS.resolve("memory").resolve(parent)).isDirectory();

    a.destroy();
    driver.find(parent, "b").orElseThrow().destroy();
    a.destroy();
    assertThat(driver.children(parent)).isEmpty();
    driver.removeParentIfEmpty(parent);
    KernelCgroups.assertNoCgroupNamed(parent);
  }

  private static boolean throttled(Path cpuStat) {
    try {
      return KeyedValues.parse(Files.readString(cpuStat)).getOrDefault("nr_throttled", 0L) > 0;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
