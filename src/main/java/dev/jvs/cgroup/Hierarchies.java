package dev.jvs.cgroup;

import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.KernelFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The cgroup hierarchies mounted on this host, and what jvs reads and writes in any cgroup by its
 * path ("/jvs/web1") beyond what {@link Cgroup} offers: the scheduler's, the views' and the
 * benchmarks' figures and switches, for cgroups jvs did not necessarily create (a guest's parent,
 * the containers a benchmark's runc made). Callers ask in jvs's words; which file that is on v1 or
 * v2 is decided here. Reads of a cgroup that vanished meanwhile (a guest stopped) give zero.
 */
public final class Hierarchies {
  /** USER_HZ, the unit of v1's cpuacct.stat: 100 on every Linux ABI jvs runs on. */
  private static final long NANOS_PER_TICK = 1_000_000_000L / 100;

  private final CgroupMounts mounts;
  private final List<Path> all;

  /**
   * @param mounts where the controllers jvs uses are
   * @param all the mount point of every cgroup hierarchy, jvs's or not (net_cls, name=systemd...)
   */
  Hierarchies(CgroupMounts mounts, List<Path> all) {
    this.mounts = mounts;
    this.all = List.copyOf(all);
  }

  /** The hierarchies of {@code mounts} alone (for tests on a fake tree). */
  Hierarchies(CgroupMounts mounts) {
    this(mounts, mountPoints(mounts));
  }

  /** Reads /proc/self/mountinfo. */
  public static Hierarchies probe() {
    try {
      return fromMountinfo(Files.readString(Path.of("/proc/self/mountinfo")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Hierarchies fromMountinfo(String text) {
    Set<Path> all = new LinkedHashSet<>();
    for (Mountinfo.Mount m : Mountinfo.parse(text)) {
      if (m.fsType().equals("cgroup") || m.fsType().equals("cgroup2")) {
        all.add(m.mountPoint());
      }
    }
    return new Hierarchies(CgroupMounts.fromMountinfo(text), List.copyOf(all));
  }

  private static List<Path> mountPoints(CgroupMounts mounts) {
    Set<Path> all = new LinkedHashSet<>(mounts.v1().values());
    mounts.cgroup2Mount().ifPresent(all::add);
    return List.copyOf(all);
  }

  /** CPU time spent in user and in kernel mode, in nanoseconds. */
  public record CpuTimes(long userNanos, long systemNanos) {}

  /** Anonymous memory charged to the cgroup, in bytes: v1 memory.stat total_rss, v2 anon. */
  public long anonBytes(String path) {
    return keyed("memory", path, "memory.stat").getOrDefault(v2() ? "anon" : "total_rss", 0L);
  }

  /** User and system CPU time: v1 cpuacct.stat (USER_HZ ticks), v2 cpu.stat (µs). */
  public CpuTimes cpuTimes(String path) {
    if (v2()) {
      Map<String, Long> s = keyed("cpu", path, "cpu.stat");
      return new CpuTimes(
          s.getOrDefault("user_usec", 0L) * 1000, s.getOrDefault("system_usec", 0L) * 1000);
    }
    Map<String, Long> s = keyed("cpuacct", path, "cpuacct.stat");
    return new CpuTimes(
        s.getOrDefault("user", 0L) * NANOS_PER_TICK, s.getOrDefault("system", 0L) * NANOS_PER_TICK);
  }

  /**
   * Pauses or resumes every process in the cgroup (v1 freezer.state, v2 cgroup.freeze), without
   * waiting for v1's FREEZING to end.
   */
  public void freeze(String path, boolean frozen) {
    Path dir =
        dir(v2() ? "cpu" : "freezer", path)
            .orElseThrow(() -> new CgroupException(path + ": freeze: no freezer on this host"));
    if (v2()) {
      write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0", path + ": freeze");
    } else {
      write(dir.resolve("freezer.state"), frozen ? "FROZEN" : "THAWED", path + ": freeze");
    }
  }

  /**
   * Sets the cgroup's cpu.share (2..262144, jvs's scale; on v2 translated to cpu.weight as a
   * guest's is); nothing when no cpu controller is mounted.
   */
  public void setCpuShares(String path, long shares) {
    dir("cpu", path)
        .ifPresent(
            dir -> {
              if (v2()) {
                write(
                    dir.resolve("cpu.weight"),
                    Long.toString(Translation.sharesToWeight(shares)),
                    dir.toString());
              } else {
                write(dir.resolve("cpu.shares"), Long.toString(shares), dir.toString());
              }
            });
  }

  /** The cgroup's directories that exist, in every hierarchy mounted here (jvs's or not). */
  public List<Path> existing(String path) {
    return all.stream().map(m -> m.resolve(relative(path))).filter(Files::isDirectory).toList();
  }

  /**
   * Removes the cgroup and the ones below it, deepest first, in every hierarchy mounted here: an
   * empty cgroup goes, one still in use stays. Returns the directories that stayed.
   */
  public List<Path> removeEmpty(String path) {
    List<Path> left = new ArrayList<>();
    for (Path top : existing(path)) {
      List<Path> dirs;
      try (Stream<Path> s = Files.walk(top)) {
        dirs = s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (Path d : dirs) {
        try {
          Files.deleteIfExists(d); // rmdir: only an empty cgroup goes
        } catch (IOException e) {
          left.add(d);
        }
      }
    }
    return left;
  }

  /**
   * Memory in use by the memory cgroup at {@code dir}, in bytes: v1 memory.usage_in_bytes, v2
   * memory.current.
   */
  public static long memoryUsageBytes(Path dir) {
    return readBytes(
        dir,
        Files.exists(dir.resolve("memory.current")) ? "memory.current" : "memory.usage_in_bytes");
  }

  /**
   * The limit of the memory cgroup at {@code dir}, in bytes ({@link Long#MAX_VALUE} for none): v1
   * memory.limit_in_bytes, v2 memory.max.
   */
  public static long memoryLimitBytes(Path dir) {
    return readBytes(
        dir, Files.exists(dir.resolve("memory.max")) ? "memory.max" : "memory.limit_in_bytes");
  }

  private static long readBytes(Path dir, String file) {
    try {
      String v = Files.readString(dir.resolve(file)).strip();
      return v.equals("max") ? Long.MAX_VALUE : Long.parseLong(v);
    } catch (IOException e) {
      throw new UncheckedIOException(dir.resolve(file) + ": " + e.getMessage(), e);
    }
  }

  private boolean v2() {
    return mounts.v1().isEmpty();
  }

  /** The directory of cgroup {@code path} for a v1 controller, or on v2. */
  Optional<Path> dir(String controller, String path) {
    String rel = relative(path);
    if (v2()) {
      return mounts.cgroup2Mount().map(m -> m.resolve(rel));
    }
    return Optional.ofNullable(mounts.v1().get(controller)).map(m -> m.resolve(rel));
  }

  private static String relative(String path) {
    return path.startsWith("/") ? path.substring(1) : path;
  }

  /** A flat-keyed file as a map; empty when the cgroup or the file is gone. */
  private Map<String, Long> keyed(String controller, String path, String file) {
    Optional<Path> dir = dir(controller, path);
    if (dir.isEmpty()) {
      return Map.of();
    }
    try {
      // open, read, close: no fstat or buffer setup of Files.readString (stat reads it per guest)
      String text = KernelFiles.readIfExists(dir.get().resolve(file));
      return text == null ? Map.of() : KeyedValues.parse(text);
    } catch (KernelException e) {
      return Map.of(); // the guest stopped meanwhile: nothing to report
    }
  }

  private static void write(Path file, String value, String what) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": " + e.getMessage(), e);
    }
  }
}
