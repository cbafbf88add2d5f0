package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the scheduler, views and benchmarks read and write by path, on fake v1 and v2 trees. */
class HierarchiesTest {
  private static Hierarchies v1(Path root) {
    return new Hierarchies(
        new CgroupMounts(
            Map.of(
                "memory",
                root.resolve("memory"),
                "cpu",
                root.resolve("cpu,cpuacct"),
                "cpuacct",
                root.resolve("cpu,cpuacct"),
                "freezer",
                root.resolve("freezer")),
            null));
  }

  private static Hierarchies v2(Path root) {
    return new Hierarchies(new CgroupMounts(Map.of(), root));
  }

  @Test
  void v1ReadsTotalRssAndCpuacctStat(@TempDir Path root) throws Exception {
    Path memory = Files.createDirectories(root.resolve("memory/jvs/web1"));
    Path cpu = Files.createDirectories(root.resolve("cpu,cpuacct/jvs/web1"));
    Files.writeString(memory.resolve("memory.stat"), "rss 100\ncache 5\ntotal_rss 4096\n");
    Files.writeString(cpu.resolve("cpuacct.stat"), "user 150\nsystem 20\n");
    Hierarchies h = v1(root);
    assertThat(h.anonBytes("/jvs/web1")).isEqualTo(4096);
    assertThat(h.cpuTimes("/jvs/web1"))
        .isEqualTo(new Hierarchies.CpuTimes(1_500_000_000L, 200_000_000L));
  }

  @Test
  void v2ReadsAnonAndCpuStat(@TempDir Path root) throws Exception {
    Path g = Files.createDirectories(root.resolve("jvs/web1"));
    Files.writeString(g.resolve("memory.stat"), "anon 8192\nfile 77\n");
    Files.writeString(g.resolve("cpu.stat"), "usage_usec 9\nuser_usec 7\nsystem_usec 2\n");
    Hierarchies h = v2(root);
    assertThat(h.anonBytes("/jvs/web1")).isEqualTo(8192);
    assertThat(h.cpuTimes("/jvs/web1")).isEqualTo(new Hierarchies.CpuTimes(7000L, 2000L));
  }

  @Test
  void aStoppedGuestReadsAsZero(@TempDir Path root) {
    assertThat(v2(root).anonBytes("/jvs/gone")).isZero();
    assertThat(v1(root).cpuTimes("/jvs/gone")).isEqualTo(new Hierarchies.CpuTimes(0, 0));
  }

  @Test
  void freezingWritesTheFreezerOfEachVersion(@TempDir Path root) throws Exception {
    Path v1 = Files.createDirectories(root.resolve("v1/freezer/jvs/b"));
    v1(root.resolve("v1")).freeze("/jvs/b", true);
    assertThat(Files.readString(v1.resolve("freezer.state"))).isEqualTo("FROZEN");
    v1(root.resolve("v1")).freeze("/jvs/b", false);
    assertThat(Files.readString(v1.resolve("freezer.state"))).isEqualTo("THAWED");

    Path v2 = Files.createDirectories(root.resolve("v2/jvs/b"));
    v2(root.resolve("v2")).freeze("/jvs/b", true);
    assertThat(Files.readString(v2.resolve("cgroup.freeze"))).isEqualTo("1");
  }

  @Test
  void cpuSharesAreV1SharesOrTheTranslatedV2Weight(@TempDir Path root) throws Exception {
    Path v1 = Files.createDirectories(root.resolve("v1/cpu,cpuacct/jvs"));
    v1(root.resolve("v1")).setCpuShares("/jvs", 262_144);
    assertThat(Files.readString(v1.resolve("cpu.shares"))).isEqualTo("262144");

    Path v2 = Files.createDirectories(root.resolve("v2/jvs"));
    v2(root.resolve("v2")).setCpuShares("/jvs", 262_144);
    assertThat(Files.readString(v2.resolve("cpu.weight"))).isEqualTo("10000");
  }

  @Test
  void everyHierarchyOnTheHostCountsForLeftoversNotOnlyJvss(@TempDir Path root) throws Exception {
    String mountinfo =
        String.join(
                "\n",
                "31 30 0:28 / " + root + "/cpu rw - cgroup cgroup rw,cpu",
                "40 30 0:37 / " + root + "/net_cls rw - cgroup cgroup rw,net_cls",
                "41 30 0:38 / " + root + "/unified rw - cgroup2 cgroup2 rw",
                "1 0 8:1 / / rw - ext4 /dev/x rw")
            + "\n";
    Files.createDirectories(root.resolve("cpu/p/c1/c2"));
    Files.createDirectories(root.resolve("net_cls/p/c1"));
    Files.createDirectories(root.resolve("unified"));
    Hierarchies h = Hierarchies.fromMountinfo(mountinfo);
    assertThat(h.existing("p")).containsExactly(root.resolve("cpu/p"), root.resolve("net_cls/p"));
    assertThat(h.removeEmpty("/p")).isEmpty();
    assertThat(h.existing("p")).isEmpty();
  }

  @Test
  void aCgroupStillInUseStays(@TempDir Path root) throws Exception {
    Path busy = Files.createDirectories(root.resolve("p/c1"));
    Files.writeString(busy.resolve("cgroup.procs"), "42\n"); // a real cgroup refuses rmdir
    Files.createDirectories(root.resolve("p/c2"));
    assertThat(v2(root).removeEmpty("p")).containsExactly(busy, root.resolve("p"));
    assertThat(root.resolve("p/c2")).doesNotExist();
  }

  @Test
  void aMemoryBudgetReadsEitherVersionsFiles(@TempDir Path dir) throws Exception {
    Path v1 = Files.createDirectories(dir.resolve("v1"));
    Files.writeString(v1.resolve("memory.limit_in_bytes"), "1000\n");
    Files.writeString(v1.resolve("memory.usage_in_bytes"), "300\n");
    assertThat(Hierarchies.memoryLimitBytes(v1)).isEqualTo(1000);
    assertThat(Hierarchies.memoryUsageBytes(v1)).isEqualTo(300);

    Path v2 = Files.createDirectories(dir.resolve("v2"));
    Files.writeString(v2.resolve("memory.max"), "max\n");
    Files.writeString(v2.resolve("memory.current"), "5\n");
    assertThat(Hierarchies.memoryLimitBytes(v2)).isEqualTo(Long.MAX_VALUE);
    assertThat(Hierarchies.memoryUsageBytes(v2)).isEqualTo(5);
  }

  @Test
  void withoutMountinfoTheMountsAreTheHierarchies(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("memory/jvs"));
    Files.createDirectories(root.resolve("cpu,cpuacct/jvs"));
    assertThat(v1(root).existing("/jvs"))
        .containsExactlyInAnyOrder(root.resolve("memory/jvs"), root.resolve("cpu,cpuacct/jvs"));
  }
}
