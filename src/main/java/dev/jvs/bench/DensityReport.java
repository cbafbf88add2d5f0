package dev.jvs.bench;

import java.time.Duration;
import java.util.List;

/**
 * What N idle guests cost and how the host copes with them all up.
 *
 * @param memory the memory figures of {@link MemoryBench} (start time, MemAvailable, Pss)
 * @param cgroupMemoryPerGuest the guests' memory cgroups' usage, summed, per guest (bytes)
 * @param cgroupKernelPerGuest the kernel part of it (v1 memory.kmem.usage_in_bytes, v2
 *     memory.stat's kernel), per guest; -1 when the host does not account it
 * @param listMillis median of `Guests.list()` in-process with all up
 * @param statMillis median of the `jvs stat` view in-process with all up
 * @param listServiceMillis median of `jvs list` through jvs-client and a warm `jvs serve`, NaN when
 *     not measured (not running from a jar)
 * @param statServiceMillis the same for `jvs stat`
 * @param idleStartMillis median in-process start-to-exit of /bin/true in a fresh guest, no guest
 *     running
 * @param loadedStartMillis the same with all N up
 * @param kernelFields growth of the kernel fields of /proc/meminfo, per guest
 * @param slabs the slab caches that grew most, per guest
 * @param mountsPerGuest mount points in one guest's mount namespace
 * @param namespacesPerGuest namespaces of one guest's init that differ from the host's
 * @param cgroupDirsPerGuest cgroup directories one guest has (one per v1 hierarchy)
 * @param superblocksPerGuest file systems mounted in one guest that the host does not have mounted:
 *     each costs every memory cgroup on the host a shrinker slot
 * @param memoryCgroupsBefore memory cgroups on the host before the start, dying ones included
 *     (/proc/cgroups)
 * @param memoryCgroupsAfter the same once every guest was stopped and deleted: more than before
 *     means guests left dying memory cgroups behind
 */
public record DensityReport(
    MemoryReport memory,
    long cgroupMemoryPerGuest,
    long cgroupKernelPerGuest,
    double listMillis,
    double statMillis,
    double listServiceMillis,
    double statServiceMillis,
    double idleStartMillis,
    double loadedStartMillis,
    List<KernelMemory.Growth> kernelFields,
    List<KernelMemory.Growth> slabs,
    int mountsPerGuest,
    int namespacesPerGuest,
    int cgroupDirsPerGuest,
    int superblocksPerGuest,
    int memoryCgroupsBefore,
    int memoryCgroupsAfter) {

  public int guests() {
    return memory.guests();
  }

  public Duration startAll() {
    return memory.startAll();
  }

  public double startsPerSecond() {
    return memory.guests() / (memory.startAll().toNanos() / 1e9);
  }
}
