package dev.jvs.kernel;

import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads /proc/PID/stat: a process's start time tells a live process from a recycled pid. */
public final class ProcStat {
  private ProcStat() {}

  /** Start time in clock ticks since boot (field 22), or empty when the process is gone. */
  public static OptionalLong startTime(long pid) {
    String stat;
    try {
      stat = KernelFiles.readIfExists(Path.of("/proc/" + pid + "/stat"));
    } catch (KernelException e) {
      return OptionalLong.empty(); // e.g. ESRCH: the process went away while read
    }
    if (stat == null) {
      return OptionalLong.empty();
    }
    // comm (field 2) may contain spaces and parentheses: fields resume after the last ')'.
    String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    if (rest[0].equals("Z") || rest[0].equals("X")) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Long.parseLong(rest[19]));
  }

  /** Whether {@code pid} is alive and is still the process that started at {@code startTime}. */
  public static boolean isSame(long pid, long startTime) {
    OptionalLong now = startTime(pid);
    return now.isPresent() && now.getAsLong() == startTime;
  }
}
