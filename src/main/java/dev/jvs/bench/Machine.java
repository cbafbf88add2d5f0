package dev.jvs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a result was measured on, recorded with every row so a reader can tell a quiet run
 * from one on a busy host, and one kernel or cgroup mode from another.
 *
 * @param cgroupMode v1, v2 or hybrid (v1 controllers plus a cgroup2 mount)
 * @param load1 the 1-minute load average when the figure was taken
 */
public record Machine(String kernel, String cgroupMode, int cpus, long memoryKib, double load1) {
  /** Columns appended to every CSV row. */
  public static final List<String> COLUMNS =
      List.of("kernel", "cgroup_mode", "cpus", "memory_kib", "load1");

  public static Machine now() {
    String loadavg = read("/proc/loadavg");
    double load = loadavg.isEmpty() ? -1 : Double.parseDouble(loadavg.split(" ")[0]);
    return new Machine(
        read("/proc/sys/kernel/osrelease").strip(),
        detectCgroupMode(),
        Runtime.getRuntime().availableProcessors(),
        memTotalKib(),
        load);
  }

  /** Whether the load average says other work competes for the CPUs (at least half of them). */
  public boolean busy() {
    return load1 >= cpus * 0.5;
  }

  public List<String> cells() {
    return List.of(
        kernel, cgroupMode, String.valueOf(cpus), String.valueOf(memoryKib), String.valueOf(load1));
  }

  public String describe() {
    return String.format(
        "Linux %s, cgroup %s, %d CPUs, %d MiB memory, load average %.2f",
        kernel, cgroupMode, cpus, memoryKib / 1024, load1);
  }

  private static String detectCgroupMode() {
    boolean v1 = false;
    boolean v2Root = false;
    for (String line : read("/proc/self/mountinfo").lines().toList()) {
      String[] f = line.split(" ");
      int dash = line.indexOf(" - ");
      String type = dash < 0 ? "" : line.substring(dash + 3).split(" ")[0];
      if (type.equals("cgroup")) {
        v1 = true;
      } else if (type.equals("cgroup2") && f[4].equals("/sys/fs/cgroup")) {
        v2Root = true;
      }
    }
    return v2Root ? "v2" : v1 ? "hybrid/v1" : "none";
  }

  private static long memTotalKib() {
    return read("/proc/meminfo")
        .lines()
        .filter(l -> l.startsWith("MemTotal:"))
        .map(l -> l.replaceAll("[^0-9]", ""))
        .mapToLong(Long::parseLong)
        .findFirst()
        .orElse(-1);
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      return "";
    }
  }
}
