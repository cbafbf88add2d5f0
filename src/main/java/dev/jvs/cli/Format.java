package dev.jvs.cli;

import java.time.Duration;

/** Human-readable figures for the CLI's tables. */
final class Format {
  private Format() {}

  static String duration(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return d.toMillis() < 10_000 ? String.format("%.1fs", d.toMillis() / 1000.0) : s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60) + "s";
    }
    return (s / 3600) + "h" + (s % 3600 / 60) + "m";
  }

  static String bytes(long b) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = b;
    int i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return i == 0 ? b + " B" : String.format("%.1f %s", v, units[i]);
  }
}
