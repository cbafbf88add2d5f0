package dev.jvs.sched;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryBudgetTest {
  @Test
  void aCgroupBudgetIsItsLimitMinusItsUsage(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("memory.limit_in_bytes"), "1000\n");
    Files.writeString(dir.resolve("memory.usage_in_bytes"), "300\n");
    MemoryBudget b = new MemoryBudget.CgroupScoped(dir);
    assertThat(b.totalBytes()).isEqualTo(1000);
    assertThat(b.availableBytes()).isEqualTo(700);
  }
}
