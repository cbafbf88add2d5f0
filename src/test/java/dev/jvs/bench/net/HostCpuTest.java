package dev.jvs.bench.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostCpuTest {
  @Test
  void busyIsUserNiceSystemIrqAndSoftirqWithoutIdleIowaitOrSteal() {
    // user nice system idle iowait irq softirq steal guest guest_nice
    assertEquals(15.0, HostCpu.busySeconds("cpu  1000 100 200 90000 5000 50 150 7000 0 0"));
  }

  @Test
  void aLineThatIsNotTheAggregateIsAnError() {
    assertThrows(IllegalStateException.class, () -> HostCpu.busySeconds("cpu0 1 2 3 4 5 6 7 8"));
  }

  @Test
  void theHostsBusyTimeGrowsWhileItWorks() {
    double before = HostCpu.busySeconds();
    long end = System.nanoTime() + 300_000_000L;
    long x = 0;
    while (System.nanoTime() < end) {
      x += Long.numberOfTrailingZeros(x + System.nanoTime());
    }
    assertTrue(HostCpu.busySeconds() - before >= 0.1, "busy time did not grow (" + x + ")");
  }
}
