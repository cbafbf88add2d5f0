package dev.jvs.sched;

import dev.jvs.cgroup.Hierarchies;

/**
 * A forwarder left for cli/Views.java only: what this class read moved behind the cgroup package
 * ({@link Hierarchies}). Delete it once Views calls {@code Hierarchies.probe()} itself.
 */
public final class CgroupFiles {
  private CgroupFiles() {}

  public static Hierarchies probe() {
    return Hierarchies.probe();
  }
}
