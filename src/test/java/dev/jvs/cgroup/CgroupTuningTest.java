package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.limits.CgroupTuning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CgroupTuning per driver and cgroups directly below the roots, against fake trees. */
class CgroupTuningTest {
  private static final List<String> V1 =
      List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

  @TempDir Path root;

  private static final CgroupTuning ALL =
      new CgroupTuning(500_000L, 200_000L, "0", 50_593_792L, 10L, true, 50_593_792L, Map.of());

  private FakeCgroupFs v1Fs() throws IOException {
    for (String c : V1) {
      Files.createDirectories(root.resolve(c));
      Files.writeString(root.resolve(c).resolve("cgroup.procs"), "1\n");
    }
    Files.writeString(root.resolve("cpuset/cpuset.cpus"), "0-1\n");
    Files.writeString(root.resolve("cpuset/cpuset.mems"), "0\n");
    return new FakeCgroupFs(
        root,
        dir -> {
          Map<String, String> f = new LinkedHashMap<>(CgroupV1DriverTest.kernelFiles(root, dir));
          if (root.relativize(dir).getName(0).toString().equals("memory")) {
            f.put("memory.swappiness", "60\n");
            f.put("memory.kmem.tcp.limit_in_bytes", "9223372036854771712\n");
          }
          return f;
        });
  }

  @Test
  void v1WritesEachKnobExactlyInACgroupDirectlyBelowTheRoots() throws IOException {
    FakeCgroupFs fs = v1Fs();
    Map<String, Path> mounts = new LinkedHashMap<>();
    V1.forEach(c -> mounts.put(c, root.resolve(c)));
    CgroupV1Driver driver = new CgroupV1Driver(new CgroupMounts(mounts, null), fs);
    Cgroup cg = driver.create("", "cgrouptest");
    assertThat(cg.path()).isEqualTo("/cgrouptest");
    assertThat(root.resolve("pids/cgrouptest")).isDirectory();
    fs.clearWrites();
    cg.tune(ALL);
    assertThat(fs.writes())
        .containsExactly(
            "cpu/cgrouptest/cpu.cfs_period_us=500000",
            "cpu/cgrouptest/cpu.cfs_quota_us=200000",
            "cpuset/cgrouptest/cpuset.mems=0",
            "memory/cgrouptest/memory.soft_limit_in_bytes=50593792",
            "memory/cgrouptest/memory.swappiness=10",
            "memory/cgrouptest/memory.oom_control=1",
            "memory/cgrouptest/memory.kmem.tcp.limit_in_bytes=50593792");
    assertThat(driver.find("", "cgrouptest")).isPresent();
    cg.destroy();
    assertThat(root.resolve("pids/cgrouptest")).doesNotExist();
    assertThatThrownBy(
            () ->
                cg.tune(
                    new CgroupTuning(null, null, null, null, null, null, null, Map.of("2MB", 1L))))
        .hasMessageContaining("hugetlb");
  }

  @Test
  void v2KeepsTheOtherHalfOfCpuMaxAndRefusesV1OnlyKnobs() throws IOException {
    Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids\n");
    Files.writeString(root.resolve("cgroup.subtree_control"), "");
    Files.writeString(root.resolve("cgroup.procs"), "1\n");
    FakeCgroupFs fs =
        new FakeCgroupFs(
            root,
            dir -> {
              Map<String, String> f = new LinkedHashMap<>(CgroupV2DriverTest.kernelFiles(dir));
              if (f.containsKey("memory.max")) {
                f.put("memory.low", "0\n");
              }
              return f;
            });
    CgroupV2Driver driver = new CgroupV2Driver(root, fs, (dir, rules) -> {});
    Cgroup cg = driver.create("", "top");
    fs.clearWrites();
    cg.tune(new CgroupTuning(null, 50_000L, "0", 1024L, null, null, null, Map.of()));
    cg.tune(new CgroupTuning(250_000L, null, null, null, null, null, null, Map.of()));
    assertThat(fs.writes())
        .containsExactly(
            "top/cpu.max=50000 100000",
            "top/cpuset.mems=0",
            "top/memory.low=1024",
            "top/cpu.max=50000 250000");
    assertThatThrownBy(() -> cg.tune(ALL))
        .hasMessageContaining("memory.swappiness")
        .hasMessageContaining("v1 only");
  }

  @Test
  void valuesOutOfRangeAreRefused() {
    assertThatThrownBy(() -> new CgroupTuning(10L, null, null, null, null, null, null, null))
        .hasMessageContaining("period");
    assertThatThrownBy(() -> new CgroupTuning(null, null, null, null, 101L, null, null, null))
        .hasMessageContaining("swappiness");
    assertThatThrownBy(
            () -> new CgroupTuning(null, null, null, null, null, null, null, Map.of("3 MB", 1L)))
        .hasMessageContaining("huge page size");
    assertThat(CgroupTuning.none().isEmpty()).isTrue();
  }
}
