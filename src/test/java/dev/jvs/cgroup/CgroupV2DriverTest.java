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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The v2 driver against a fake cgroup2 tree laid out like the kernel's. */
class CgroupV2DriverTest {
  private static final String ALL = "cpuset cpu io memory hugetlb pids rdma misc";

  @TempDir Path root;
  private FakeCgroupFs fs;
  private final List<String> attached = new ArrayList<>();
  private CgroupV2Driver driver;

  @BeforeEach
  void setUp() throws IOException {
    rootFiles(ALL, "");
    fs = newFs();
    driver =
        new CgroupV2Driver(
            root, fs, (dir, rules) -> attached.add(root.relativize(dir) + " " + rules));
  }

  private void rootFiles(String controllers, String subtree) throws IOException {
    Files.writeString(root.resolve("cgroup.controllers"), controllers + "\n");
    Files.writeString(root.resolve("cgroup.subtree_control"), subtree);
    Files.writeString(root.resolve("cgroup.procs"), "1\n");
    Files.writeString(root.resolve("cpu.stat"), "usage_usec 5\n");
  }

  private FakeCgroupFs newFs() {
    return new FakeCgroupFs(root, CgroupV2DriverTest::kernelFiles) {
      @Override
      void check(Path file, String value) {
        // The kernel empties a cgroup on cgroup.kill.
        if (file.getFileName().toString().equals("cgroup.kill")) {
          try {
            Files.writeString(file.resolveSibling("cgroup.procs"), "");
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        }
      }
    };
  }

  /** What cgroup_mkdir creates: core files, plus those of the controllers the parent enabled. */
  static Map<String, String> kernelFiles(Path dir) {
    Map<String, String> f = new LinkedHashMap<>();
    String enabled;
    try {
      enabled = Files.readString(dir.getParent().resolve("cgroup.subtree_control")).strip();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    var on = CgroupV2Driver.words(enabled);
    f.put("cgroup.controllers", enabled);
    f.put("cgroup.subtree_control", "");
    f.put("cgroup.procs", "");
    f.put("cgroup.kill", "");
    f.put("cgroup.events", "populated 0\nfrozen 0\n");
    f.put("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
    if (on.contains("cpu")) {
      f.put("cpu.max", "max 100000\n");
      f.put("cpu.weight", "100\n");
    }
    if (on.contains("memory")) {
      f.put("memory.max", "max\n");
      f.put("memory.swap.max", "max\n");
      f.put("memory.high", "max\n");
      f.put("memory.current", "0\n");
      f.put("memory.peak", "0\n");
      f.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    }
    if (on.contains("pids")) {
      f.put("pids.max", "max\n");
      f.put("pids.current", "0\n");
    }
    if (on.contains("io")) {
      f.put("io.max", "");
      f.put("io.weight", "default 100\n");
    }
    if (on.contains("cpuset")) {
      f.put("cpuset.cpus", "");
      f.put("cpuset.mems", "");
    }
    return f;
  }

  private String read(String relative) throws IOException {
    return Files.readString(root.resolve(relative)).strip();
  }

  private Cgroup web1() {
    Cgroup cg = driver.create("jvs", "web1");
    fs.clearWrites();
    return cg;
  }

  @Test
  void createEnablesControllersInTheRootAndTheParent() throws IOException {
    Cgroup cg = driver.create("jvs", "web1");

    assertThat(cg.path()).isEqualTo("/jvs/web1");
    assertThat(fs.writes())
        .containsExactly(
            "cgroup.subtree_control=+cpu +memory +pids +io +cpuset",
            "jvs/cgroup.subtree_control=+cpu +memory +pids +io +cpuset");
    assertThat(read("jvs/web1/cgroup.controllers")).isEqualTo("cpu cpuset io memory pids");
    assertThat(root.resolve("jvs/web1/cpu.max")).exists();
    assertThat(driver.kind()).isEqualTo("v2");
    assertThat(driver.describe()).contains("v2 at " + root).contains("hugetlb");
  }

  @Test
  void createIsIdempotent() {
    driver.create("jvs", "web1");
    fs.clearWrites();

    driver.create("jvs", "web1");
    driver.create("jvs", "web2");

    assertThat(fs.writes()).isEmpty();
    assertThat(driver.children("jvs")).containsExactly("web1", "web2");
  }

  @Test
  void onlyMissingAndAvailableControllersAreEnabled() throws IOException {
    rootFiles("cpu memory pids hugetlb", "memory");

    driver.create("jvs-1a2b3c4d", "db");

    assertThat(fs.writes())
        .containsExactly(
            "cgroup.subtree_control=+cpu +pids",
            "jvs-1a2b3c4d/cgroup.subtree_control=+cpu +memory +pids");
  }

  @Test
  void aControllerTheKernelRefusesDoesNotCostTheOthers() throws IOException {
    FakeCgroupFs refusing =
        new FakeCgroupFs(root, CgroupV2DriverTest::kernelFiles) {
          @Override
          void check(Path file, String value) {
            if (file.endsWith("cgroup.subtree_control")
                && List.of(value.split(" ")).contains("+cpu")) {
              throw CgroupException.cannotSet("cgroup.subtree_control", value, Errno.EINVAL);
            }
          }
        };
    driver = new CgroupV2Driver(root, refusing, (dir, rules) -> {});

    Cgroup cg = driver.create("jvs", "web1");

    assertThat(read("cgroup.subtree_control")).isEqualTo("cpuset io memory pids");
    assertThatThrownBy(() -> cg.apply(CgroupLimits.none().withCpuLimitPercent(50)))
        .isInstanceOf(CgroupException.class)
        .hasMessage(
            "cpu.max: cannot set 50000 100000: the cpu controller is not enabled for /jvs/web1"
                + " (cgroup.controllers: cpuset io memory pids)");
  }

  @ParameterizedTest
  @CsvSource({"50, 50000 100000", "150, 150000 100000", "1, 1000 100000", "0, max 100000"})
  void cpuLimitPercentBecomesCpuMax(int percent, String cpuMax) throws IOException {
    web1().apply(CgroupLimits.none().withCpuLimitPercent(percent));

    assertThat(fs.writes()).containsExactly("jvs/web1/cpu.max=" + cpuMax);
    assertThat(read("jvs/web1/cpu.max")).isEqualTo(cpuMax);
  }

  @Test
  void burstIsClearedBeforeTheQuotaAndSetAfterIt() throws IOException {
    Cgroup cg = web1();
    Files.writeString(root.resolve("jvs/web1/cpu.max.burst"), "0\n");
    cg.apply(CgroupLimits.none().withCpuLimitPercent(50).withCpuBurstPercent(20));
    assertThat(fs.writes())
        .containsExactly(
            "jvs/web1/cpu.max.burst=0",
            "jvs/web1/cpu.max=50000 100000",
            "jvs/web1/cpu.max.burst=20000");
  }

  @ParameterizedTest
  @CsvSource({"2, 1", "512, 20", "1024, 39", "262144, 10000"})
  void cpuSharesBecomeCpuWeight(long shares, String weight) {
    web1().apply(CgroupLimits.none().withCpuShares(shares));

    assertThat(fs.writes()).containsExactly("jvs/web1/cpu.weight=" + weight);
  }

  @Test
  void theSchedulersSharesAreWrittenOnlyWhenTheWeightDiffers() throws IOException {
    Cgroup cg = web1();
    assertThat(cg.ensureCpuShares(512)).isTrue();
    assertThat(cg.ensureCpuShares(512)).isFalse();
    assertThat(fs.writes()).containsExactly("jvs/web1/cpu.weight=20");
    Files.writeString(root.resolve("jvs/web1/cpu.weight"), "39\n");
    assertThat(cg.ensureCpuShares(512)).isTrue();
    Files.writeString(root.resolve("jvs/web1/memory.current"), "4096\n");
    assertThat(cg.memoryBytes()).isEqualTo(4096);
  }

  @Test
  void memoryHighIsItsOwnFile() throws IOException {
    Cgroup cg = web1();
    cg.apply(CgroupLimits.none().withMemoryHigh(48L << 20));
    assertThat(read("jvs/web1/memory.high")).isEqualTo("50331648");
    cg.apply(CgroupLimits.none().withMemoryHigh(CgroupLimits.UNLIMITED));
    assertThat(read("jvs/web1/memory.high")).isEqualTo("max");
    assertThat(read("jvs/web1/memory.max")).isEqualTo("max");
  }

  @Test
  void memoryAndSwapAreIndependentFiles() throws IOException {
    Cgroup cg = web1();

    cg.apply(CgroupLimits.none().withMemoryMax(64L << 20).withMemorySwapMax(0L));
    assertThat(read("jvs/web1/memory.max")).isEqualTo("67108864");
    assertThat(read("jvs/web1/memory.swap.max")).isEqualTo("0");

    cg.apply(
        CgroupLimits.none()
            .withMemoryMax(CgroupLimits.UNLIMITED)
            .withMemorySwapMax(CgroupLimits.UNLIMITED));
    assertThat(fs.writes())
        .containsExactly(
            "jvs/web1/memory.max=67108864",
            "jvs/web1/memory.swap.max=0",
            "jvs/web1/memory.max=max",
            "jvs/web1/memory.swap.max=max");
  }

  @Test
  void pidsCpusetAndIoWeight() throws IOException {
    web1().apply(CgroupLimits.none().withPidsMax(10L).withCpuCpus("0-1,3").withIoWeight(500));

    assertThat(fs.writes())
        .containsExactly(
            "jvs/web1/cpuset.cpus=0-1,3", "jvs/web1/pids.max=10", "jvs/web1/io.weight=default 500");
    assertThat(read("jvs/web1/pids.max")).isEqualTo("10");
  }

  @Test
  void ioWeightFallsBackToBfqClamped() throws IOException {
    Cgroup cg = web1();
    Files.delete(root.resolve("jvs/web1/io.weight"));
    Files.writeString(root.resolve("jvs/web1/io.bfq.weight"), "default 100\n");

    cg.apply(CgroupLimits.none().withIoWeight(5000));

    assertThat(fs.writes()).containsExactly("jvs/web1/io.bfq.weight=default 1000");
  }

  @Test
  void ioWeightGoesToIocostAndBfqWhenTheKernelHasBoth() throws IOException {
    Cgroup cg = web1();
    Files.writeString(root.resolve("jvs/web1/io.bfq.weight"), "default 100\n");

    cg.apply(CgroupLimits.none().withIoWeight(5000));

    assertThat(fs.writes())
        .containsExactly("jvs/web1/io.weight=default 5000", "jvs/web1/io.bfq.weight=default 1000");
  }

  @Test
  void ioMaxHasOneLinePerDeviceWithBothDirections() {
    web1()
        .apply(
            CgroupLimits.none()
                .withIoReadBps(List.of(new DeviceRate(8, 0, 1 << 20)))
                .withIoWriteBps(
                    List.of(new DeviceRate(8, 0, 2 << 20), new DeviceRate(253, 16, 0))));

    assertThat(fs.writes())
        .containsExactly(
            "jvs/web1/io.max=8:0 rbps=1048576 wbps=2097152", "jvs/web1/io.max=253:16 wbps=max");
  }

  @Test
  void devicesGoToTheBpfSeamOnlyWhenSet() {
    Cgroup cg = web1();
    cg.apply(CgroupLimits.none().withPidsMax(5L));
    assertThat(attached).isEmpty();

    cg.apply(CgroupLimits.none().withDevices(List.of(DeviceRule.chr(1, 3))));
    cg.apply(CgroupLimits.none().withDevices(List.of()));

    assertThat(attached).containsExactly("jvs/web1 [c 1:3 rwm]", "jvs/web1 []");
    assertThat(cg.bpfDir()).contains(root.resolve("jvs/web1"));
  }

  @Test
  void aRefusedWriteNamesFileValueAndReason() {
    FakeCgroupFs busy =
        new FakeCgroupFs(root, CgroupV2DriverTest::kernelFiles) {
          @Override
          void check(Path file, String value) {
            if (file.endsWith("memory.max")) {
              throw CgroupException.cannotSet("memory.max", value, Errno.EBUSY);
            }
          }
        };
    Cgroup cg = new CgroupV2Driver(root, busy, (d, r) -> {}).create("jvs", "web1");

    assertThatThrownBy(() -> cg.apply(CgroupLimits.none().withMemoryMax(12L)))
        .isInstanceOf(CgroupException.class)
        .hasMessage("memory.max: cannot set 12: Device or resource busy")
        .satisfies(e -> assertThat(((CgroupException) e).errno()).isEqualTo(Errno.EBUSY));
  }

  @Test
  void addProcessAndPidsIncludeChildCgroups() throws IOException {
    Cgroup cg = web1();
    cg.addProcess(4242);
    Files.createDirectories(root.resolve("jvs/web1/inner"));
    Files.writeString(root.resolve("jvs/web1/inner/cgroup.procs"), "7\n8\n");

    assertThat(fs.writes()).containsExactly("jvs/web1/cgroup.procs=4242");
    assertThat(cg.pids()).containsExactly(4242L, 7L, 8L);
  }

  @Test
  void usageReadsTheV2Counters() throws IOException {
    Cgroup cg = web1();
    Path d = root.resolve("jvs/web1");
    Files.writeString(d.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
    Files.writeString(d.resolve("memory.current"), "4096\n");
    Files.writeString(d.resolve("memory.peak"), "8192\n");
    Files.writeString(d.resolve("pids.current"), "3\n");
    Files.writeString(
        d.resolve("memory.events"), "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n");

    assertThat(cg.usage()).isEqualTo(new CgroupUsage(1_500_000, 4096, 8192, 3, 2));

    Files.delete(d.resolve("memory.peak"));
    assertThat(cg.usage().memoryPeakBytes()).isEqualTo(CgroupUsage.UNKNOWN);
  }

  @Test
  void killAllWritesCgroupKillUntilEmpty() throws IOException {
    Cgroup cg = web1();
    cg.killAll(Duration.ofSeconds(1));
    assertThat(fs.writes()).isEmpty();

    Files.writeString(root.resolve("jvs/web1/cgroup.procs"), "99\n");
    cg.killAll(Duration.ofSeconds(1));

    assertThat(fs.writes()).containsExactly("jvs/web1/cgroup.kill=1");
    assertThat(cg.pids()).isEmpty();
  }

  @Test
  void destroyIsIdempotentAndTheParentGoesWhenEmpty() {
    Cgroup web1 = driver.create("jvs", "web1");
    Cgroup web2 = driver.create("jvs", "web2");

    web1.destroy();
    web1.destroy();
    assertThat(driver.find("jvs", "web1")).isEmpty();
    assertThat(driver.children("jvs")).containsExactly("web2");

    driver.removeParentIfEmpty("jvs");
    assertThat(root.resolve("jvs")).isDirectory();

    web2.destroy();
    driver.removeParentIfEmpty("jvs");
    driver.removeParentIfEmpty("jvs");
    assertThat(root.resolve("jvs")).doesNotExist();
    assertThat(driver.children("jvs")).isEmpty();
  }

  @Test
  void findSeesAnExistingCgroup() {
    driver.create("jvs", "web1");

    assertThat(driver.find("jvs", "web1")).map(Cgroup::path).contains("/jvs/web1");
    assertThat(driver.find("jvs", "web9")).isEmpty();
  }

  @Test
  void namesCannotLeaveTheTree() {
    assertThatThrownBy(() -> driver.create("..", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> driver.create("jvs", "a/b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> driver.create("/jvs", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> driver.children("jvs/../.."))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void createRetriesWhenAConcurrentGcRemovedTheParent() {
    int[] failures = {0};
    FakeCgroupFs racing =
        new FakeCgroupFs(root, CgroupV2DriverTest::kernelFiles) {
          @Override
          public boolean mkdir(Path dir) {
            if (dir.endsWith("web1") && failures[0]++ == 0) {
              throw new CgroupException("mkdir " + dir + ": gone", dir.toString(), Errno.ENOENT);
            }
            return super.mkdir(dir);
          }
        };

    new CgroupV2Driver(root, racing, (d, r) -> {}).create("jvs", "web1");

    assertThat(failures[0]).isEqualTo(2);
    assertThat(root.resolve("jvs/web1/cgroup.procs")).exists();
  }

  @Test
  void nestedParentsEnableControllersAtEveryLevel() {
    driver.create("jvs/tenant", "web1");

    assertThat(fs.writes())
        .containsExactly(
            "cgroup.subtree_control=+cpu +memory +pids +io +cpuset",
            "jvs/cgroup.subtree_control=+cpu +memory +pids +io +cpuset",
            "jvs/tenant/cgroup.subtree_control=+cpu +memory +pids +io +cpuset");
  }
}
