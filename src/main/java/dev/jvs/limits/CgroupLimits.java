package dev.jvs.limits;

import java.util.List;

/**
 * jvs's one vocabulary of cgroup limits; each driver translates it into its own files (see
 * docs/cgroups.md). A null field leaves the kernel's current value alone. {@link #UNLIMITED} in
 * {@code memoryMax}, {@code memoryHigh}, {@code memorySwapMax} or {@code pidsMax} and 0 in {@code
 * cpuLimitPercent} remove a limit set earlier.
 *
 * @param cpuShares fair-share weight on the v1 cpu.shares scale 2..262144 (default 1024)
 * @param cpuLimitPercent hard cap in percent of one CPU (150 = 1.5 CPUs), 0 = no cap
 * @param cpuCpus cpuset list such as "0-1,3"
 * @param memoryMax bytes of memory
 * @param memorySwapMax bytes of swap allowed beyond memoryMax
 * @param pidsMax number of tasks
 * @param ioWeight 1..10000 on the v2 io.weight scale (default 100)
 * @param ioReadBps read caps per device
 * @param ioWriteBps write caps per device
 * @param devices allow-list of devices; empty denies every device
 * @param memoryHigh bytes of memory above which the guest is throttled and reclaimed, never
 *     OOM-killed: v2 memory.high; v1 has no throttle, so memory.soft_limit_in_bytes (reclaimed to
 *     under host memory pressure) is the nearest
 * @param cpuBurstPercent CPU a capped cgroup may save up while idle and spend above its cap in one
 *     period, in percent of one CPU per period (the token bucket's depth); at most cpuLimitPercent
 *     (the kernel's rule), 0 = none
 */
public record CgroupLimits(
    Long cpuShares,
    Integer cpuLimitPercent,
    String cpuCpus,
    Long memoryMax,
    Long memorySwapMax,
    Long pidsMax,
    Integer ioWeight,
    List<DeviceRate> ioReadBps,
    List<DeviceRate> ioWriteBps,
    List<DeviceRule> devices,
    Long memoryHigh,
    Integer cpuBurstPercent) {

  /** "No limit" for memoryMax, memorySwapMax and pidsMax ("max" on v2, -1 on v1). */
  public static final long UNLIMITED = Long.MAX_VALUE;

  public CgroupLimits {
    range("cpuShares", cpuShares, 2, 262_144);
    range("cpuLimitPercent", cpuLimitPercent == null ? null : (long) cpuLimitPercent, 0, 1 << 20);
    range("cpuBurstPercent", cpuBurstPercent == null ? null : (long) cpuBurstPercent, 0, 1 << 20);
    if (cpuCpus != null && !cpuCpus.matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*")) {
      throw new IllegalArgumentException("cpuCpus is not a cpu list like 0-1,3: " + cpuCpus);
    }
    range("memoryMax", memoryMax, 1, UNLIMITED);
    range("memorySwapMax", memorySwapMax, 0, UNLIMITED);
    range("memoryHigh", memoryHigh, 1, UNLIMITED);
    range("pidsMax", pidsMax, 0, UNLIMITED);
    range("ioWeight", ioWeight == null ? null : (long) ioWeight, 1, 10_000);
    ioReadBps = ioReadBps == null ? null : List.copyOf(ioReadBps);
    ioWriteBps = ioWriteBps == null ? null : List.copyOf(ioWriteBps);
    devices = devices == null ? null : List.copyOf(devices);
  }

  /** Nothing set: applying it changes nothing. */
  public static CgroupLimits none() {
    return new CgroupLimits(null, null, null, null, null, null, null, null, null, null, null, null);
  }

  public CgroupLimits withCpuShares(Long v) {
    return edit(d -> d.cpuShares = v);
  }

  public CgroupLimits withCpuLimitPercent(Integer v) {
    return edit(d -> d.cpuLimitPercent = v);
  }

  public CgroupLimits withCpuBurstPercent(Integer v) {
    return edit(d -> d.cpuBurstPercent = v);
  }

  public CgroupLimits withCpuCpus(String v) {
    return edit(d -> d.cpuCpus = v);
  }

  public CgroupLimits withMemoryMax(Long v) {
    return edit(d -> d.memoryMax = v);
  }

  public CgroupLimits withMemorySwapMax(Long v) {
    return edit(d -> d.memorySwapMax = v);
  }

  public CgroupLimits withPidsMax(Long v) {
    return edit(d -> d.pidsMax = v);
  }

  public CgroupLimits withIoWeight(Integer v) {
    return edit(d -> d.ioWeight = v);
  }

  public CgroupLimits withIoReadBps(List<DeviceRate> v) {
    return edit(d -> d.ioReadBps = v);
  }

  public CgroupLimits withIoWriteBps(List<DeviceRate> v) {
    return edit(d -> d.ioWriteBps = v);
  }

  public CgroupLimits withDevices(List<DeviceRule> v) {
    return edit(d -> d.devices = v);
  }

  public CgroupLimits withMemoryHigh(Long v) {
    return edit(d -> d.memoryHigh = v);
  }

  /** A copy with one field changed: the withers' one shared path (the checks run again). */
  private CgroupLimits edit(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  /** The fields as mutable values, so each wither names only the field it changes. */
  private static final class Draft {
    Long cpuShares;
    Integer cpuLimitPercent;
    String cpuCpus;
    Long memoryMax;
    Long memorySwapMax;
    Long pidsMax;
    Integer ioWeight;
    List<DeviceRate> ioReadBps;
    List<DeviceRate> ioWriteBps;
    List<DeviceRule> devices;
    Long memoryHigh;
    Integer cpuBurstPercent;

    Draft(CgroupLimits l) {
      cpuShares = l.cpuShares;
      cpuLimitPercent = l.cpuLimitPercent;
      cpuCpus = l.cpuCpus;
      memoryMax = l.memoryMax;
      memorySwapMax = l.memorySwapMax;
      pidsMax = l.pidsMax;
      ioWeight = l.ioWeight;
      ioReadBps = l.ioReadBps;
      ioWriteBps = l.ioWriteBps;
      devices = l.devices;
      memoryHigh = l.memoryHigh;
      cpuBurstPercent = l.cpuBurstPercent;
    }

    CgroupLimits build() {
      return new CgroupLimits(
          cpuShares,
          cpuLimitPercent,
          cpuCpus,
          memoryMax,
          memorySwapMax,
          pidsMax,
          ioWeight,
          ioReadBps,
          ioWriteBps,
          devices,
          memoryHigh,
          cpuBurstPercent);
    }
  }

  private static void range(String name, Long v, long min, long max) {
    if (v != null && (v < min || v > max)) {
      throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ": " + v);
    }
  }
}
