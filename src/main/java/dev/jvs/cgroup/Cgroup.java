package dev.jvs.cgroup;

import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** One guest's cgroup, in every hierarchy its driver uses. */
public interface Cgroup {
  /** How long {@link #destroy()} waits for the processes inside to die. */
  Duration DESTROY_TIMEOUT = Duration.ofSeconds(10);

  /** The path below the hierarchy roots, for display: "/jvs/web1". */
  String path();

  /**
   * Writes the non-null fields of {@code limits}; throws CgroupException naming the file and value
   * that failed (fields before it stay applied).
   */
  void apply(CgroupLimits limits);

  /**
   * Writes the non-null knobs of {@code tuning} (the OCI runtime-spec's exact values); throws
   * CgroupException naming a knob this cgroup version lacks.
   */
  void tune(CgroupTuning tuning);

  /** Moves a process (all its threads) into this cgroup in every hierarchy. */
  void addProcess(long pid);

  /** The processes inside, including those in child cgroups a guest made itself. */
  List<Long> pids();

  CgroupUsage usage();

  /**
   * Memory in use, as {@link #usage()} has it: the one counter the service's watchdog needs every
   * tick, read from one file instead of usage()'s five.
   */
  default long memoryBytes() {
    return usage().memoryBytes();
  }

  /**
   * CPU time used, as {@link #usage()} has it, from one file: `jvs top` reads it for every guest.
   */
  default long cpuNanos() {
    return usage().cpuNanos();
  }

  /**
   * Sets cpu.shares (v2: the cpu.weight it translates to) unless the cgroup already has that value:
   * the service's scheduler asks every tick, and a write makes the kernel re-weight the group on
   * every CPU. Returns whether it wrote.
   */
  default boolean ensureCpuShares(long shares) {
    apply(CgroupLimits.none().withCpuShares(shares));
    return true;
  }

  /**
   * Freezes (pauses) or thaws every process inside: v1's freezer.state, waiting out FREEZING, or
   * v2's cgroup.freeze. Throws CgroupException when the host has no freezer.
   */
  void setFrozen(boolean frozen);

  /** Whether the processes inside are frozen or freezing; false without a freezer. */
  boolean isFrozen();

  /** CPU user and system time, swap, pids.max hits and block I/O bytes (the API's metrics). */
  default CgroupStats stats() {
    return CgroupStats.UNKNOWN;
  }

  /** SIGKILLs everything inside and waits until it is empty; throws if {@code timeout} passes. */
  void killAll(Duration timeout);

  /** killAll, then removes the cgroup everywhere. Idempotent: nothing there is no error. */
  void destroy();

  /**
   * The cgroup2 directory where cgroup BPF programs (socket hooks) for this guest attach: the
   * cgroup itself on v2, its twin in the cgroup2 mount on a hybrid v1 host, empty without one.
   */
  Optional<Path> bpfDir();
}
