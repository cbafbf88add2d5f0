package dev.jvs.cgroup;

import dev.jvs.limits.CgroupLimits;

/** The arithmetic between jvs's vocabulary and the kernel's two scales (docs/cgroups.md). */
final class Translation {
  /** CFS bandwidth period both drivers use, in microseconds. */
  static final long CFS_PERIOD_US = 100_000;

  private Translation() {}

  /** v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000); the formula runc and crun use. */
  static long sharesToWeight(long shares) {
    return 1 + ((shares - 2) * 9999) / 262_142;
  }

  /** Percent of one CPU to a CFS quota in microseconds per {@link #CFS_PERIOD_US}. */
  static long percentToQuotaUs(int percent) {
    return percent * CFS_PERIOD_US / 100;
  }

  /** v2 io.weight (1..10000) to v1 blkio.weight (10..1000), the inverse of runc's mapping. */
  static long ioWeightToBlkioWeight(int ioWeight) {
    return 10 + ((ioWeight - 1L) * 990) / 9999;
  }

  /**
   * v1 memory.memsw.limit_in_bytes: memory plus swap, unlimited when either is (the sum of two huge
   * numbers would overflow, and the kernel rounds anything near 2^63 to "unlimited" anyway).
   */
  static long memswLimit(long memoryMax, long swapMax) {
    if (memoryMax == CgroupLimits.UNLIMITED || swapMax == CgroupLimits.UNLIMITED) {
      return CgroupLimits.UNLIMITED;
    }
    return Math.addExact(memoryMax, swapMax);
  }

  /** A byte or count limit as v1 writes it: -1 for unlimited. */
  static String v1Number(long value) {
    return value == CgroupLimits.UNLIMITED ? "-1" : Long.toString(value);
  }

  /** A byte or count limit as v2 writes it: "max" for unlimited. */
  static String v2Number(long value) {
    return value == CgroupLimits.UNLIMITED ? "max" : Long.toString(value);
  }

  /** v2 cpu.max for a cap in percent; 0 means no cap. */
  static String cpuMax(int percent) {
    return (percent == 0 ? "max" : Long.toString(percentToQuotaUs(percent))) + " " + CFS_PERIOD_US;
  }

  /** A v1 counter that reads as "unlimited" (PAGE_COUNTER_MAX rounded, or "max"). */
  static boolean v1Unlimited(String value) {
    String v = value.strip();
    return v.equals("max") || v.equals("-1") || Long.parseLong(v) >= (1L << 62);
  }
}
