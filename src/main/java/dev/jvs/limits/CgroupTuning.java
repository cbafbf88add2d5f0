package dev.jvs.limits;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Exact kernel knobs the OCI runtime-spec names and jvs's own resource keys do not: CFS quota and
 * period as given (not a percentage), the memory nodes, the memory soft limit, swappiness, the OOM
 * killer switch, the TCP buffer limit and huge page limits. A null field leaves the kernel's value
 * alone. Each cgroup driver writes its own files; a knob its cgroup version lacks is an error
 * naming it, never silently dropped.
 *
 * @param cpuPeriodUs CFS period in microseconds
 * @param cpuQuotaUs CFS quota in microseconds per period; -1 removes the cap
 * @param cpuMems memory nodes, a list like "0-1,3"
 * @param memoryReservation soft limit in bytes ({@link CgroupLimits#UNLIMITED} for none): v1
 *     memory.soft_limit_in_bytes, v2 memory.low
 * @param memorySwappiness 0..100 (v1 only)
 * @param oomKillDisable true to disable the OOM killer (v1 only)
 * @param kernelTcpMemory bytes of TCP buffers (v1 only)
 * @param hugepageLimits page size as the kernel names it ("2MB", "1GB") to a byte limit
 */
public record CgroupTuning(
    Long cpuPeriodUs,
    Long cpuQuotaUs,
    String cpuMems,
    Long memoryReservation,
    Long memorySwappiness,
    Boolean oomKillDisable,
    Long kernelTcpMemory,
    Map<String, Long> hugepageLimits) {
  private static final Pattern PAGE_SIZE = Pattern.compile("[1-9][0-9]*[KMG]B");

  public CgroupTuning {
    if (cpuPeriodUs != null && (cpuPeriodUs < 1000 || cpuPeriodUs > 1_000_000)) {
      throw new IllegalArgumentException("cpu period must be in 1000..1000000 us: " + cpuPeriodUs);
    }
    if (cpuQuotaUs != null && cpuQuotaUs != -1 && cpuQuotaUs < 1000) {
      throw new IllegalArgumentException("cpu quota must be -1 or at least 1000 us: " + cpuQuotaUs);
    }
    if (cpuMems != null && !cpuMems.matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*")) {
      throw new IllegalArgumentException("memory nodes are not a list like 0-1,3: " + cpuMems);
    }
    if (memorySwappiness != null && (memorySwappiness < 0 || memorySwappiness > 100)) {
      throw new IllegalArgumentException("swappiness must be in 0..100: " + memorySwappiness);
    }
    if (memoryReservation != null && memoryReservation < 0) {
      throw new IllegalArgumentException("memory reservation must not be negative");
    }
    if (kernelTcpMemory != null && kernelTcpMemory < 0 && kernelTcpMemory != -1) {
      throw new IllegalArgumentException("kernel TCP memory must not be negative");
    }
    hugepageLimits = hugepageLimits == null ? Map.of() : Map.copyOf(hugepageLimits);
    for (String size : hugepageLimits.keySet()) {
      if (!PAGE_SIZE.matcher(size).matches()) {
        throw new IllegalArgumentException("not a huge page size like 2MB: " + size);
      }
    }
  }

  /** Nothing set: tuning with it changes nothing. */
  public static CgroupTuning none() {
    return new CgroupTuning(null, null, null, null, null, null, null, Map.of());
  }

  public boolean isEmpty() {
    return equals(none());
  }
}
