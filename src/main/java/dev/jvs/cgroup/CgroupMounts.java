package dev.jvs.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the cgroup hierarchies jvs uses are mounted.
 *
 * @param v1 mount point of each v1 controller jvs uses (co-mounted controllers share a path)
 * @param cgroup2 the cgroup2 mount point, or null when there is none
 */
public record CgroupMounts(Map<String, Path> v1, Path cgroup2) {
  /** The v1 controllers jvs places guests in; others (net_cls, perf_event, ...) stay untouched. */
  static final Set<String> V1_CONTROLLERS =
      Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

  public CgroupMounts {
    v1 = Map.copyOf(v1);
  }

  /** Reads /proc/self/mountinfo. */
  public static CgroupMounts probe() {
    try {
      return fromMountinfo(Files.readString(Path.of("/proc/self/mountinfo")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first mount of each controller wins (later ones are usually bind mounts of it). */
  static CgroupMounts fromMountinfo(String text) {
    Map<String, Path> v1 = new LinkedHashMap<>();
    Path cgroup2 = null;
    for (Mountinfo.Mount m : Mountinfo.parse(text)) {
      if (m.fsType().equals("cgroup")) {
        for (String option : m.superOptions()) {
          if (V1_CONTROLLERS.contains(option)) {
            v1.putIfAbsent(option, m.mountPoint());
          }
        }
      } else if (m.fsType().equals("cgroup2") && cgroup2 == null) {
        cgroup2 = m.mountPoint();
      }
    }
    return new CgroupMounts(v1, cgroup2);
  }

  public Optional<Path> cgroup2Mount() {
    return Optional.ofNullable(cgroup2);
  }

  /** The distinct v1 hierarchies, one per mount point, in a fixed order. */
  List<V1Hierarchy> hierarchies() {
    Map<Path, V1Hierarchy> byMount = new LinkedHashMap<>();
    v1.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                byMount.merge(
                    e.getValue(),
                    new V1Hierarchy(Set.of(e.getKey()), e.getValue()),
                    V1Hierarchy::merge));
    return List.copyOf(byMount.values());
  }
}
