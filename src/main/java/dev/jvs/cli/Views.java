package dev.jvs.cli;

import dev.jvs.sched.CgroupFiles;
import dev.jvs.view.GuestViews;

/** The per-guest views `jvs stat`, `ps` and `top` read. */
final class Views {
  private Views() {}

  static GuestViews create(Verb verb) {
    return new GuestViews(verb.guests(), verb.caller.runtime().cgroups(), CgroupFiles.probe());
  }

  /** vserver-stat's compact sizes: 12K, 3.4M, 1.2G. */
  static String size(long bytes) {
    if (bytes < 1024 * 1024) {
      return (bytes / 1024) + "K";
    }
    if (bytes < 1024L * 1024 * 1024) {
      return String.format("%.1fM", bytes / 1048576.0);
    }
    return String.format("%.1fG", bytes / 1073741824.0);
  }

  /** CPU time as vserver-stat prints it: 1m02s23 (minutes, seconds, hundredths). */
  static String cpuTime(long nanos) {
    long cs = nanos / 10_000_000;
    return String.format("%dm%02ds%02d", cs / 6000, cs / 100 % 60, cs % 100);
  }
}
