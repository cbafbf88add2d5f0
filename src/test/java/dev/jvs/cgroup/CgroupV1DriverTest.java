package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.kernel.Errno;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.DeviceRate;
import dev.jvs.limits.DeviceRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v1 driver's translation against a fake hybrid tree (the real kernel: CgroupV1KernelTest). */
class CgroupV1DriverTest {
  private static final String UNLIMITED = "9223372036854771712";
  private static final List<String> CONTROLLERS =
      List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

  @TempDir Path root;
  private FakeCgroupFs fs;
  private CgroupV1Driver driver;

  @BeforeEach
  void setUp() throws IOException {
    Map<String, Path> v1 = new LinkedHashMap<>();
    for (String c : CONTROLLERS) {
      v1.put(c, Files.createDirectories(root.resolve(c)));
      Files.writeString(root.resolve(c).resolve("cgroup.procs"), "1\n");
    }
    Files.createDirectories(root.resolve("unified"));
    Files.writeString(root.resolve("cpuset/cpuset.cpus"), "0-1\n");
    Files.writeString(root.resolve("cpuset/cpuset.mems"), "0\n");
    fs = new MemswCheckingFs(root);
    driver = new CgroupV1Driver(new CgroupMounts(v1, root.resolve("unified")), fs);
  }

  /** Refuses what the kernel refuses: memory.memsw.limit_in_bytes below memory.limit_in_bytes. */
  private static final class MemswCheckingFs extends FakeCgroupFs {
    MemswCheckingFs(Path root) {
      super(root, dir -> kernelFiles(root, dir));
    }

    @Override
    void check(Path file, String value) {
      String name = file.getFileName().toString();
      boolean memory =
          name.equals("memory.limit_in_bytes") || name.equals("memory.memsw.limit_in_bytes");
      if (memory && exists(sibling(file, 1))) {
        long limit = v1(name.equals("memory.limit_in_bytes") ? value : read(sibling(file, 0)));
        long memsw = v1(name.equals("memory.limit_in_bytes") ? read(sibling(file, 1)) : value);
        if (memsw < limit) {
          throw CgroupException.cannotSet(name, value, Errno.EINVAL);
        }
      }
    }

    private static Path sibling(Path file, int which) {
      return file.resolveSibling(
          which == 0 ? "memory.limit_in_bytes" : "memory.memsw.limit_in_bytes");
    }

    private static long v1(String s) {
      return Translation.v1Unlimited(s) ? Long.MAX_VALUE : Long.parseLong(s.strip());
    }
  }

  static Map<String, String> kernelFiles(Path root, Path dir) {
    String hierarchy = root.relativize(dir).getName(0).toString();
    Map<String, String> f = new LinkedHashMap<>();
    f.put("cgroup.procs", "");
    switch (hierarchy) {
      case "cpu" -> {
        f.put("cpu.shares", "1024\n");
        f.put("cpu.cfs_period_us", "100000\n");
        f.put("cpu.cfs_quota_us", "-1\n");
      }
      case "cpuacct" -> f.put("cpuacct.usage", "0\n");
      case "cpuset" -> {
        f.put("cpuset.cpus", "\n");
        f.put("cpuset.mems", "\n");
      }
      case "memory" -> {
        f.put("memory.limit_in_bytes", UNLIMITED + "\n");
        f.put("memory.memsw.limit_in_bytes", UNLIMITED + "\n");
        f.put("memory.soft_limit_in_bytes", UNLIMITED + "\n");
        f.put("memory.usage_in_bytes", "0\n");
        f.put("memory.max_usage_in_bytes", "0\n");
        f.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
      }
      case "devices" -> {
        f.put("devices.allow", "");
        f.put("devices.deny", "");
        f.put("devices.list", "a *:* rwm\n");
      }
      case "freezer" -> f.put("freezer.state", "THAWED\n");
      case "blkio" -> {
        f.put("blkio.bfq.weight", "100\n");
        f.put("blkio.throttle.read_bps_device", "");
        f.put("blkio.throttle.write_bps_device", "");
      }
      case "pids" -> {
        f.put("pids.max", "max\n");
        f.put("pids.current", "0\n");
      }
      default -> f.put("cgroup.controllers", "");
    }
    return f;
  }

  private Cgroup web1() {
    Cgroup cg = driver.create("jvs", "web1");
    fs.clearWrites();
    return cg;
  }

  @Test
  void createMakesEveryHierarchyAndCopiesTheCpuset() {
    Cgroup cg = driver.create("jvs", "web1");

    for (String c : CONTROLLERS) {
      assertThat(root.resolve(c).resolve("jvs/web1")).isDirectory();
    }
    assertThat(root.resolve("unified/jvs/web1")).isDirectory();
    assertThat(cg.bpfDir()).contains(root.resolve("unified/jvs/web1"));
    assertThat(fs.writes())
        .containsExactly(
            "cpuset/jvs/cpuset.cpus=0-1",
            "cpuset/jvs/cpuset.mems=0",
            "cpuset/jvs/web1/cpuset.cpus=0-1",
            "cpuset/jvs/web1/cpuset.mems=0");

    fs.clearWrites();
    driver.create("jvs", "web1");
    assertThat(fs.writes()).isEmpty();
    assertThat(driver.kind()).isEqualTo("v1");
    assertThat(driver.describe()).startsWith("v1 (hybrid; cgroup2 at " + root.resolve("unified"));
  }

  @Test
  void cpuSharesAndQuota() {
    web1().apply(CgroupLimits.none().withCpuShares(512L).withCpuLimitPercent(150));

    assertThat(fs.writes())
        .containsExactly(
            "cpu/jvs/web1/cpu.shares=512",
            "cpu/jvs/web1/cpu.cfs_period_us=100000",
            "cpu/jvs/web1/cpu.cfs_quota_us=150000");
  }

  @Test
  void theSchedulersSharesAreWrittenOnlyWhenTheCgroupHoldsOthers() throws IOException {
    Cgroup cg = web1();
    assertThat(cg.ensureCpuShares(512)).isTrue();
    assertThat(cg.ensureCpuShares(512)).isFalse();
    assertThat(fs.writes()).containsExactly("cpu/jvs/web1/cpu.shares=512");
    Files.writeString(root.resolve("cpu/jvs/web1/cpu.shares"), "1024\n"); // `jvs set` meanwhile
    assertThat(cg.ensureCpuShares(512)).isTrue();
    assertThat(root.resolve("cpu/jvs/web1/cpu.shares")).hasContent("512");
  }

  @Test
  void theWatchdogsMemoryIsUsagesMemory() throws IOException {
    Cgroup cg = web1();
    Files.writeString(root.resolve("memory/jvs/web1/memory.usage_in_bytes"), "123456\n");
    assertThat(cg.memoryBytes()).isEqualTo(123456).isEqualTo(cg.usage().memoryBytes());
  }

  @Test
  void burstIsClearedBeforeTheQuotaAndSetAfterIt() throws IOException {
    Cgroup cg = web1();
    Files.writeString(root.resolve("cpu/jvs/web1/cpu.cfs_burst_us"), "0\n");
    cg.apply(CgroupLimits.none().withCpuLimitPercent(50).withCpuBurstPercent(20));
    assertThat(fs.writes())
        .containsExactly(
            "cpu/jvs/web1/cpu.cfs_burst_us=0",
            "cpu/jvs/web1/cpu.cfs_period_us=100000",
            "cpu/jvs/web1/cpu.cfs_quota_us=50000",
            "cpu/jvs/web1/cpu.cfs_burst_us=20000");
  }

  @Test
  void memoryHighIsTheSoftLimit() {
    Cgroup cg = web1();
    cg.apply(CgroupLimits.none().withMemoryHigh(48L << 20));
    cg.apply(CgroupLimits.none().withMemoryHigh(CgroupLimits.UNLIMITED));
    assertThat(fs.writes())
        .containsExactly(
            "memory/jvs/web1/memory.soft_limit_in_bytes=50331648",
            "memory/jvs/web1/memory.soft_limit_in_bytes=-1");
  }

  @Test
  void memswStaysAboveTheLimitWhateverTheDirection() {
    Cgroup cg = web1();
    String m = "memory/jvs/web1/";

    cg.apply(CgroupLimits.none().withMemoryMax(64L << 20).withMemorySwapMax(0L));
    assertThat(fs.writes())
        .containsExactly(
            m + "memory.limit_in_bytes=67108864", m + "memory.memsw.limit_in_bytes=67108864");

    fs.clearWrites();
    cg.apply(CgroupLimits.none().withMemoryMax(128L << 20).withMemorySwapMax(32L << 20));
    assertThat(fs.writes())
        .containsExactly(
            m + "memory.memsw.limit_in_bytes=167772160", m + "memory.limit_in_bytes=134217728");

    fs.clearWrites();
    cg.apply(CgroupLimits.none().withMemoryMax(32L << 20));
    assertThat(fs.writes())
        .as("a null swap keeps the 32 MiB swap allowance")
        .containsExactly(
            m + "memory.limit_in_bytes=33554432", m + "memory.memsw.limit_in_bytes=67108864");

    fs.clearWrites();
    cg.apply(
        CgroupLimits.none()
            .withMemoryMax(CgroupLimits.UNLIMITED)
            .withMemorySwapMax(CgroupLimits.UNLIMITED));
    assertThat(fs.writes())
        .containsExactly(m + "memory.memsw.limit_in_bytes=-1", m + "memory.limit_in_bytes=-1");
  }

  @Test
  void swapWithoutMemswFileIsAClearError() throws IOException {
    Cgroup cg = web1();
    Files.delete(root.resolve("memory/jvs/web1/memory.memsw.limit_in_bytes"));

    cg.apply(CgroupLimits.none().withMemoryMax(1L << 30));
    assertThat(fs.writes()).containsExactly("memory/jvs/web1/memory.limit_in_bytes=1073741824");
    assertThatThrownBy(() -> cg.apply(CgroupLimits.none().withMemorySwapMax(0L)))
        .isInstanceOf(CgroupException.class)
        .hasMessageStartingWith("memory.memsw.limit_in_bytes: not available")
        .hasMessageContaining("swapaccount=1");
  }

  @Test
  void pidsAndBlkio() {
    web1()
        .apply(
            CgroupLimits.none()
                .withPidsMax(10L)
                .withIoWeight(100)
                .withIoReadBps(List.of(new DeviceRate(8, 0, 1 << 20)))
                .withIoWriteBps(List.of(new DeviceRate(8, 0, 0))));

    assertThat(fs.writes())
        .containsExactly(
            "pids/jvs/web1/pids.max=10",
            "blkio/jvs/web1/blkio.bfq.weight=19",
            "blkio/jvs/web1/blkio.throttle.read_bps_device=8:0 1048576",
            "blkio/jvs/web1/blkio.throttle.write_bps_device=8:0 0");
  }

  @Test
  void blkioWeightIsPreferredAndItsAbsenceIsExplained() throws IOException {
    Cgroup cg = web1();
    Path dir = root.resolve("blkio/jvs/web1");
    Files.writeString(dir.resolve("blkio.weight"), "500\n");
    cg.apply(CgroupLimits.none().withIoWeight(10000));
    assertThat(fs.writes()).containsExactly("blkio/jvs/web1/blkio.weight=1000");

    Files.delete(dir.resolve("blkio.weight"));
    Files.delete(dir.resolve("blkio.bfq.weight"));
    assertThatThrownBy(() -> cg.apply(CgroupLimits.none().withIoWeight(1)))
        .isInstanceOf(CgroupException.class)
        .hasMessageStartingWith("blkio.weight: not available")
        .hasMessageContaining("bfq");
  }

  @Test
  void devicesDenyAllThenAllowEachRule() {
    Cgroup cg = web1();
    cg.apply(
        CgroupLimits.none()
            .withDevices(
                List.of(
                    DeviceRule.chr(1, 3),
                    new DeviceRule('c', 1, 5, "r"),
                    new DeviceRule('b', DeviceRule.ANY, DeviceRule.ANY, "m"),
                    new DeviceRule('a', DeviceRule.ANY, DeviceRule.ANY, "rwm"))));

    String d = "devices/jvs/web1/";
    assertThat(fs.writes())
        .containsExactly(
            d + "devices.deny=a",
            d + "devices.allow=c 1:3 rwm",
            d + "devices.allow=c 1:5 r",
            d + "devices.allow=b *:* m",
            d + "devices.allow=a");
    assertThatThrownBy(
            () ->
                cg.apply(
                    CgroupLimits.none().withDevices(List.of(new DeviceRule('a', -1, -1, "r")))))
        .isInstanceOf(CgroupException.class)
        .hasMessageContaining("cannot express 'a *:* r'");
  }

  @Test
  void addProcessJoinsEveryHierarchyAndTheTwin() {
    web1().addProcess(777);

    assertThat(fs.writes())
        .containsExactlyInAnyOrder(
            "cpu/jvs/web1/cgroup.procs=777",
            "cpuacct/jvs/web1/cgroup.procs=777",
            "cpuset/jvs/web1/cgroup.procs=777",
            "memory/jvs/web1/cgroup.procs=777",
            "devices/jvs/web1/cgroup.procs=777",
            "freezer/jvs/web1/cgroup.procs=777",
            "blkio/jvs/web1/cgroup.procs=777",
            "pids/jvs/web1/cgroup.procs=777",
            "unified/jvs/web1/cgroup.procs=777");
  }

  @Test
  void usageReadsTheV1Counters() throws IOException {
    Cgroup cg = web1();
    Files.writeString(root.resolve("cpuacct/jvs/web1/cpuacct.usage"), "123456789\n");
    Files.writeString(root.resolve("memory/jvs/web1/memory.usage_in_bytes"), "1000\n");
    Files.writeString(root.resolve("memory/jvs/web1/memory.max_usage_in_bytes"), "2000\n");
    Files.writeString(
        root.resolve("memory/jvs/web1/memory.oom_control"),
        "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    Files.writeString(root.resolve("pids/jvs/web1/pids.current"), "4\n");

    assertThat(cg.usage()).isEqualTo(new CgroupUsage(123456789, 1000, 2000, 4, 3));
  }

  @Test
  void aMissingControllerIsNamed() {
    Map<String, Path> onlyCpu = Map.of("cpu", root.resolve("cpu"));
    Cgroup cg = new CgroupV1Driver(new CgroupMounts(onlyCpu, null), fs).create("jvs", "web1");

    assertThat(cg.bpfDir()).isEmpty();
    assertThatThrownBy(() -> cg.apply(CgroupLimits.none().withPidsMax(1L)))
        .isInstanceOf(CgroupException.class)
        .hasMessage("pids.max: the pids controller is not mounted");
    assertThat(cg.usage().pids()).isZero();
    assertThat(cg.usage().memoryBytes()).isEqualTo(CgroupUsage.UNKNOWN);
  }

  @Test
  void destroyRemovesEverythingAndParentGoesWhenEmpty() {
    Cgroup cg = driver.create("jvs", "web1");
    driver.create("jvs", "web2");
    assertThat(driver.children("jvs")).containsExactly("web1", "web2");

    cg.destroy();
    cg.destroy();
    assertThat(driver.find("jvs", "web1")).isEmpty();
    driver.removeParentIfEmpty("jvs");
    assertThat(root.resolve("memory/jvs")).isDirectory();

    driver.find("jvs", "web2").orElseThrow().destroy();
    driver.removeParentIfEmpty("jvs");
    for (String c : CONTROLLERS) {
      assertThat(root.resolve(c).resolve("jvs")).doesNotExist();
    }
    assertThat(root.resolve("unified/jvs")).doesNotExist();
  }
}
