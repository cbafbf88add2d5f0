package dev.jvs.guest.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the value types of config keys; each throws IllegalArgumentException with a short
 * reason.
 */
public final class Values {
  private static final Pattern SIZE =
      Pattern.compile("([0-9]+)([KMGT]?)(I?B)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)?");
  private static final Pattern CPU_LIST = Pattern.compile("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*");

  private Values() {}

  /** Bytes from "64M", "1g", "512K", "4096"; binary units. */
  public static long size(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "malformed size '" + text + "' (expected a number with an optional K, M, G or T suffix)");
    }
    int shift =
        switch (m.group(2).toUpperCase(Locale.ROOT)) {
          case "K" -> 10;
          case "M" -> 20;
          case "G" -> 30;
          case "T" -> 40;
          default -> 0;
        };
    try {
      long n = Long.parseLong(m.group(1));
      if (n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size '" + text + "' is too large");
    }
  }

  /** "10s", "500ms", "2m", or a bare number of seconds. */
  public static Duration duration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "malformed duration '" + text + "' (expected e.g. 10s, 500ms, 2m)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }

  public static String formatDuration(Duration d) {
    return d.toMillisPart() != 0 || d.isZero() ? d.toMillis() + "ms" : d.toSeconds() + "s";
  }

  /** An integer within [min, max]. */
  public static long integer(String text, long min, long max) {
    long n;
    try {
      n = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a whole number");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(n + " is out of range " + min + ".." + max);
    }
    return n;
  }

  /** A percentage "50" or "50%", within [min, max]. */
  public static int percent(String text, int min, int max) {
    String t = text.trim();
    if (t.endsWith("%")) {
      t = t.substring(0, t.length() - 1);
    }
    return (int) integer(t, min, max);
  }

  /** How many CPUs a valid cpuset list "0-1,3" names. */
  public static int cpuCount(String list) {
    java.util.BitSet cpus = new java.util.BitSet();
    for (String range : list.trim().split(",")) {
      String[] ends = range.split("-");
      int from = Integer.parseInt(ends[0]);
      int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
      cpus.set(from, to + 1);
    }
    return cpus.cardinality();
  }

  /** A cpuset list "0-1,3" whose CPUs all exist (below {@code cpuCount}). */
  public static String cpuList(String text, int cpuCount) {
    String t = text.trim();
    if (!CPU_LIST.matcher(t).matches()) {
      throw new IllegalArgumentException("malformed CPU list '" + text + "' (expected e.g. 0-1,3)");
    }
    for (String part : t.split("[,-]")) {
      int cpu = Integer.parseInt(part);
      if (cpu >= cpuCount) {
        throw new IllegalArgumentException(
            "CPU " + cpu + " does not exist (this host has CPUs 0-" + (cpuCount - 1) + ")");
      }
    }
    return t;
  }
}
