package dev.jvs.guest;

import dev.jvs.guest.config.ResourceValidator;
import dev.jvs.guest.config.Values;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.DeviceRate;
import dev.jvs.limits.DeviceRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** Translates a guest's validated resource keys into the cgroup vocabulary and rlimits. */
public final class GuestResources {
  /**
   * The devices a guest may use: the nodes jvs creates in its /dev, ptys from its own devpts, and
   * mknod of character devices only (so no block device node can be made).
   */
  public static final List<DeviceRule> DEVICES =
      List.of(
          new DeviceRule('c', -1, -1, "m"),
          new DeviceRule('c', 1, 3, "rwm"), // null
          new DeviceRule('c', 1, 5, "rwm"), // zero
          new DeviceRule('c', 1, 7, "rwm"), // full
          new DeviceRule('c', 1, 8, "rwm"), // random
          new DeviceRule('c', 1, 9, "rwm"), // urandom
          new DeviceRule('c', 5, 0, "rwm"), // tty
          new DeviceRule('c', 5, 2, "rwm"), // ptmx
          new DeviceRule('c', 136, -1, "rwm")); // pts/*

  private GuestResources() {}

  /** Limits for a guest's cgroup: every resource key it sets, plus the device allow-list. */
  public static CgroupLimits limits(Map<String, String> resources) {
    CgroupLimits limits = CgroupLimits.none().withDevices(DEVICES);
    for (Map.Entry<String, String> e : resources.entrySet()) {
      String v = e.getValue();
      limits =
          switch (e.getKey()) {
            case "cpu.share" -> limits.withCpuShares(Long.parseLong(v));
            case "cpu.limit" -> limits.withCpuLimitPercent(Values.percent(v, 0, Integer.MAX_VALUE));
            case "cpu.burst" -> limits.withCpuBurstPercent(Values.percent(v, 0, Integer.MAX_VALUE));
            case "cpu.cpus" -> limits.withCpuCpus(v);
            case "memory.rss" -> limits.withMemoryMax(Values.size(v));
            case "memory.swap" -> limits.withMemorySwapMax(Values.size(v));
            case "pids.max" -> limits.withPidsMax(Long.parseLong(v));
            case "io.weight" -> limits.withIoWeight(Integer.parseInt(v));
            case "io.rbps" -> limits.withIoReadBps(rates(v));
            case "io.wbps" -> limits.withIoWriteBps(rates(v));
            default -> limits; // not a cgroup key (memory.memlock is an rlimit)
          };
    }
    return limits;
  }

  /** How much of the host's disk a detached guest's console.log may take: size × files. */
  public record ConsoleLog(long maxBytes, int files) {
    public static final ConsoleLog DEFAULT = new ConsoleLog(1L << 20, 2);
  }

  /** console.size and console.files, or their defaults. */
  public static ConsoleLog console(Map<String, String> resources) {
    String size = resources.get("console.size");
    String files = resources.get("console.files");
    return new ConsoleLog(
        size == null ? ConsoleLog.DEFAULT.maxBytes() : Values.size(size),
        files == null ? ConsoleLog.DEFAULT.files() : Integer.parseInt(files));
  }

  /** RLIMIT_MEMLOCK in bytes when memory.memlock is set. */
  public static OptionalLong memlock(Map<String, String> resources) {
    String v = resources.get("memory.memlock");
    return v == null ? OptionalLong.empty() : OptionalLong.of(Values.size(v));
  }

  private static List<DeviceRate> rates(String value) {
    List<DeviceRate> out = new ArrayList<>();
    for (String part : value.split(",")) {
      long[] r = ResourceValidator.deviceRate(part.strip());
      out.add(new DeviceRate(r[0], r[1], r[2]));
    }
    return out;
  }
}
