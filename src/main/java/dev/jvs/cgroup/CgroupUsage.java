package dev.jvs.cgroup;

/**
 * Counters of one guest's cgroup. A value is {@link #UNKNOWN} when the driver cannot tell (the
 * controller is not mounted, or the kernel lacks the file, e.g. memory.peak before Linux 5.19).
 */
public record CgroupUsage(
    long cpuNanos, long memoryBytes, long memoryPeakBytes, long pids, long oomKills) {
  public static final long UNKNOWN = -1;
}
