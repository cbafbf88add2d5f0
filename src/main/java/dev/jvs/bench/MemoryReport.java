package dev.jvs.bench;

import java.time.Duration;

/**
 * Host memory taken by idle running guests.
 *
 * @param guests how many busybox system guests ran
 * @param memAvailableBefore /proc/meminfo MemAvailable before starting them, in bytes
 * @param memAvailableAfter the same once they idled; the fall counts user pages plus kernel objects
 *     (namespaces, cgroups, mounts, page tables), and any noise from other work on the host, which
 *     can even make it negative
 * @param kernelGrowth growth of unreclaimable slab, kernel stacks and page tables, in bytes: the
 *     kernel's share, far less disturbed by other programs than MemAvailable
 * @param benchRssGrowth growth of this bench's own JVM over the same time (after a full collection
 *     each time), in bytes: part of the fall of MemAvailable, mostly heap pages that its garbage
 *     touched and one-time JIT and class data, which a guest does not cost
 * @param benchLiveHeapGrowth growth of its live heap (right after a collection), in bytes: what it
 *     really keeps for the guests, which a guest does cost
 * @param monitorPss summed Pss of the guests' jvs-init monitors, in bytes
 * @param guestPss summed Pss of the processes in the guests' cgroups, in bytes
 * @param processes how many guest processes (monitors excluded) were found
 * @param startAll wall time to start all of them through the in-process API
 */
public record MemoryReport(
    int guests,
    long memAvailableBefore,
    long memAvailableAfter,
    long kernelGrowth,
    long benchRssGrowth,
    long benchLiveHeapGrowth,
    long monitorPss,
    long guestPss,
    int processes,
    Duration startAll) {

  /** Negative when other work on the host freed more memory than the guests took. */
  public long memAvailableDropPerGuest() {
    return (memAvailableBefore - memAvailableAfter) / guests;
  }

  /**
   * The host memory a guest costs: MemAvailable's drop without the bench JVM's own growth, but with
   * what that JVM keeps live for the guests. Negative as the drop can be.
   */
  public long hostMemoryPerGuest() {
    return (memAvailableBefore - memAvailableAfter - benchOwnGrowth()) / guests;
  }

  /** The bench JVM's own growth that {@link #hostMemoryPerGuest} leaves out, per guest. */
  public long benchOwnGrowthPerGuest() {
    return benchOwnGrowth() / guests;
  }

  private long benchOwnGrowth() {
    return Math.max(0, benchRssGrowth - Math.max(0, benchLiveHeapGrowth));
  }

  /**
   * What the guests hold, per guest: the kernel memory they pin (not reclaimable) plus the Pss of
   * their processes and monitors. Steadier than MemAvailable's drop, which background reclaim and
   * frees still under way from earlier work move by hundreds of KiB a guest between runs.
   */
  public long heldPerGuest() {
    return kernelPerGuest() + pssPerGuest();
  }

  public long kernelPerGuest() {
    return kernelGrowth / guests;
  }

  public long pssPerGuest() {
    return (monitorPss + guestPss) / guests;
  }

  public long monitorPssPerGuest() {
    return monitorPss / guests;
  }

  public long guestPssPerGuest() {
    return guestPss / guests;
  }
}
