package dev.jvs.cgroup;

import java.util.List;
import java.util.Optional;

/**
 * Creates and finds guests' cgroups. Guests live at {@code <root>/<parent>/<name>}; jvs creates
 * {@code parent} and never touches a cgroup it did not create.
 */
public sealed interface CgroupDriver permits CgroupV1Driver, CgroupV2Driver {
  /** Probes /proc/self/mountinfo. */
  static CgroupDriver detect() {
    return detect(CgroupMounts.probe());
  }

  /**
   * v1 when any v1 controller jvs uses is mounted (a hybrid host's cgroup2 mount is kept for BPF
   * programs), else v2 on the cgroup2 mount.
   */
  static CgroupDriver detect(CgroupMounts mounts) {
    if (!mounts.v1().isEmpty()) {
      return new CgroupV1Driver(mounts);
    }
    return mounts
        .cgroup2Mount()
        .<CgroupDriver>map(CgroupV2Driver::new)
        .orElseThrow(() -> new CgroupException("no cgroup hierarchy is mounted"));
  }

  /** "v1" or "v2". */
  String kind();

  /** For status output, e.g. "v1 (hybrid; cgroup2 at /sys/fs/cgroup/unified): cpu at ...". */
  String describe();

  /**
   * Creates {@code parent} and {@code parent/name} in every hierarchy jvs uses; idempotent (an
   * existing cgroup is reused).
   */
  Cgroup create(String parent, String name);

  /** The guest's cgroup if it exists in any hierarchy (even partly, e.g. after a crash). */
  Optional<Cgroup> find(String parent, String name);

  /** Names of the cgroups under {@code parent} in any hierarchy, sorted; for garbage collection. */
  List<String> children(String parent);

  /**
   * Removes {@code parent} (its last component) in every hierarchy where it has no children; a
   * concurrent start creating one there makes this a no-op (EBUSY and ENOTEMPTY are ignored).
   */
  void removeParentIfEmpty(String parent);
}
