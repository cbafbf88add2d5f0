package dev.jvs.sched;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WatchdogTest {
  private static final long MIB = 1 << 20;

  @Test
  void nothingHappensAboveTheThreshold() {
    Watchdog w = new Watchdog(64 * MIB);
    assertThat(w.decide(65 * MIB, 400 * MIB, List.of(new GuestMemory("a", 300 * MIB, false))))
        .isEmpty();
  }

  @Test
  void resetsTheGuestFurthestAboveItsFairShareWithItsPolicy() {
    Watchdog w = new Watchdog(64 * MIB);
    var reset =
        w.decide(
                32 * MIB,
                400 * MIB,
                List.of(
                    new GuestMemory("calm", 60 * MIB, false),
                    new GuestMemory("hog", 300 * MIB, true),
                    new GuestMemory("mid", 8 * MIB, false)))
            .orElseThrow();
    assertThat(reset.guest()).isEqualTo("hog");
    assertThat(reset.restart()).isTrue();
    assertThat(reset.reason()).contains("hog uses 300.0 MiB", "fair share 133.3 MiB");
  }

  @Test
  void budgetOfTheHostReadsMeminfo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path f = dir.resolve("meminfo");
    java.nio.file.Files.writeString(
        f, "MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    500 kB\n");
    MemoryBudget b = new MemoryBudget.Host(f);
    assertThat(b.totalBytes()).isEqualTo(1000 * 1024);
    assertThat(b.availableBytes()).isEqualTo(500 * 1024);
  }
}
