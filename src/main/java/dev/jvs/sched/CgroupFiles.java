package dev.jvs.sched;

import dev.jvs.cgroup.CgroupMounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads accounting files the cgroup vocabulary does not cover (memory.stat, cpuacct.stat) from
 * a guest's cgroup, on v1 or v2. Read-only: limits are written through {@code Cgroup.apply}.
 */
public final class CgroupFiles {
  private final CgroupMounts mounts;

  public CgroupFiles(CgroupMounts mounts) {
    this.mounts = mounts;
  }

  public static CgroupFiles probe() {
    return new CgroupFiles(CgroupMounts.probe());
  }

  public boolean v2() {
    return mounts.v1().isEmpty();
  }

  /** The directory of cgroup {@code path} ("/jvs/web1") for a v1 controller, or on v2. */
  public Optional<Path> dir(String controller, String path) {
    String rel = path.startsWith("/") ? path.substring(1) : path;
    if (v2()) {
      return mounts.cgroup2Mount().map(m -> m.resolve(rel));
    }
    return Optional.ofNullable(mounts.v1().get(controller)).map(m -> m.resolve(rel));
  }

  /** A flat-keyed file ("key value" lines) as a map; empty when missing. */
  public Map<String, Long> keyed(String controller, String path, String file) {
    Map<String, Long> out = new HashMap<>();
    Optional<Path> dir = dir(controller, path);
    if (dir.isEmpty()) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(dir.get().resolve(file))) {
        String[] kv = line.strip().split("\\s+");
        if (kv.length == 2 && kv[1].matches("-?\\d+")) {
          out.put(kv[0], Long.parseLong(kv[1]));
        }
      }
    } catch (IOException e) {
      // the guest stopped meanwhile: nothing to report
    }
    return out;
  }

  /** Anonymous memory charged to the cgroup: v1 memory.stat total_rss, v2 memory.stat anon. */
  public long anonBytes(String path) {
    Map<String, Long> stat = keyed("memory", path, "memory.stat");
    return stat.getOrDefault(v2() ? "anon" : "total_rss", 0L);
  }

  /** User and system CPU time in nanoseconds: v1 cpuacct.stat (USER_HZ), v2 cpu.stat (µs). */
  public long[] userSystemNanos(String path) {
    if (v2()) {
      Map<String, Long> s = keyed("cpu", path, "cpu.stat");
      return new long[] {s.getOrDefault("user_usec", 0L) * 1000, s.getOrDefault("system_usec", 0L) * 1000};
    }
    Map<String, Long> s = keyed("cpuacct", path, "cpuacct.stat");
    long tick = 1_000_000_000L / 100; // USER_HZ is 100 on every Linux ABI jvs runs on
    return new long[] {s.getOrDefault("user", 0L) * tick, s.getOrDefault("system", 0L) * tick};
  }

}
