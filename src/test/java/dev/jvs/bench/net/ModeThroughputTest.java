package dev.jvs.bench.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModeThroughputTest {
  @Test
  void ratiosArePerRoundAgainstThatRoundsNative() {
    // Native drifts 10, 20, 40 Gbit/s between rounds; the mode is always 0.8 of it.
    List<String> order = new ArrayList<>();
    double[] drift = {10e9, 20e9, 40e9};
    int[] nativeRuns = {0};
    int[] modeRuns = {0};
    ModeThroughput t =
        new ModeThroughput(
            List.of(
                new ModeThroughput.Mode(
                    "native",
                    () -> {
                      order.add("native");
                      return new Iperf(drift[nativeRuns[0]++], 100);
                    }),
                new ModeThroughput.Mode(
                    "mode",
                    () -> {
                      order.add("mode");
                      return new Iperf(drift[modeRuns[0]++] * 0.8, 150);
                    })),
            1);
    List<ModeThroughput.Row> rows = t.measure(3);
    assertEquals(
        List.of("native", "mode", "mode", "native", "native", "mode"),
        order,
        "each round starts with a different mode");
    assertEquals(1.0, rows.get(0).throughput().median(), 1e-9);
    assertEquals(0.8, rows.get(1).throughput().median(), 1e-9);
    assertEquals(0.8, rows.get(1).throughput().lower(), 1e-9);
    assertEquals(16.0, rows.get(1).gbit(), 1e-9);
    assertEquals(1.5, rows.get(1).rtt(), 1e-9);
    assertTrue(ModeThroughput.table(rows).get(2).contains("0.80"));
  }
}
