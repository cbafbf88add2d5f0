package dev.jvs.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.cgroup.CgroupMounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accounting files jvs serve and jvs stat read, on fake v1 and v2 trees. */
class CgroupFilesTest {

  @Test
  void v1ReadsTotalRssAndCpuacctStat(@TempDir Path root) throws Exception {
    Path memory = Files.createDirectories(root.resolve("memory/jvs/web1"));
    Path cpu = Files.createDirectories(root.resolve("cpu,cpuacct/jvs/web1"));
    Files.writeString(memory.resolve("memory.stat"), "rss 100\ncache 5\ntotal_rss 4096\n");
    Files.writeString(cpu.resolve("cpuacct.stat"), "user 150\nsystem 20\n");
    CgroupFiles files = new CgroupFiles(new CgroupMounts(Map.of(
        "memory", root.resolve("memory"), "cpu", root.resolve("cpu,cpuacct"),
        "cpuacct", root.resolve("cpu,cpuacct")), null));
    assertThat(files.v2()).isFalse();
    assertThat(files.anonBytes("/jvs/web1")).isEqualTo(4096);
    assertThat(files.userSystemNanos("/jvs/web1")).containsExactly(1_500_000_000L, 200_000_000L);
  }

  @Test
  void v2ReadsAnonAndCpuStat(@TempDir Path root) throws Exception {
    Path g = Files.createDirectories(root.resolve("jvs/web1"));
    Files.writeString(g.resolve("memory.stat"), "anon 8192\nfile 77\n");
    Files.writeString(g.resolve("cpu.stat"), "usage_usec 9\nuser_usec 7\nsystem_usec 2\n");
    CgroupFiles files = new CgroupFiles(new CgroupMounts(Map.of(), root));
    assertThat(files.v2()).isTrue();
    assertThat(files.anonBytes("/jvs/web1")).isEqualTo(8192);
    assertThat(files.userSystemNanos("/jvs/web1")).containsExactly(7000L, 2000L);
  }

  @Test
  void aStoppedGuestReadsAsZero(@TempDir Path root) {
    CgroupFiles files = new CgroupFiles(new CgroupMounts(Map.of(), root));
    assertThat(files.anonBytes("/jvs/gone")).isZero();
  }

  @Test
  void aCgroupBudgetIsItsLimitMinusItsUsage(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("memory.limit_in_bytes"), "1000\n");
    Files.writeString(dir.resolve("memory.usage_in_bytes"), "300\n");
    MemoryBudget b = new MemoryBudget.CgroupScoped(dir);
    assertThat(b.totalBytes()).isEqualTo(1000);
    assertThat(b.availableBytes()).isEqualTo(700);
  }
}
