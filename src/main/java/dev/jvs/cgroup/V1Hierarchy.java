package dev.jvs.cgroup;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** One mounted v1 hierarchy and the controllers bound to it (e.g. "cpu,cpuacct" co-mounted). */
record V1Hierarchy(Set<String> controllers, Path mount) {
  V1Hierarchy {
    controllers = Set.copyOf(controllers);
  }

  V1Hierarchy merge(V1Hierarchy other) {
    Set<String> all = new TreeSet<>(controllers);
    all.addAll(other.controllers);
    return new V1Hierarchy(all, mount);
  }

  boolean has(String controller) {
    return controllers.contains(controller);
  }

  /** The directory of a cgroup given relative to the hierarchy root ("jvs/web1"). */
  Path dir(String relative) {
    return relative.isEmpty() ? mount : mount.resolve(relative);
  }

  @Override
  public String toString() {
    return String.join(",", new TreeSet<>(controllers)) + " at " + mount;
  }
}
