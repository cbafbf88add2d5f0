package dev.jvs.bench.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the whole host spent busy (all CPUs, from /proc/stat), so a benchmark can tell what a
 * transfer cost besides how fast it went: softirq work on forwarding hops runs in no process.
 */
final class HostCpu {
  private static final double USER_HZ = 100; // the unit of /proc/stat on every Linux ABI

  private HostCpu() {}

  /** Busy seconds since boot: user, nice, system, irq and softirq (not idle, iowait or steal). */
  static double busySeconds() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
      return busySeconds(first);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** From the aggregate line "cpu user nice system idle iowait irq softirq steal ...". */
  static double busySeconds(String cpuLine) {
    String[] f = cpuLine.trim().split("\\s+");
    if (!f[0].equals("cpu") || f.length < 8) {
      throw new IllegalStateException("/proc/stat: unexpected first line: " + cpuLine);
    }
    long busy = 0;
    for (int i : new int[] {1, 2, 3, 6, 7}) {
      busy += Long.parseLong(f[i]);
    }
    return busy / USER_HZ;
  }
}
