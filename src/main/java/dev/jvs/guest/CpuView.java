package dev.jvs.guest;

import dev.jvs.guest.config.Values;
import dev.jvs.limits.CgroupLimits;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The CPUs a guest with a `cpu.limit` and no `cpu.cpus` sees and runs on: as many as the limit
 * needs (150 → 2), so that nproc (sched_getaffinity, which only a cpuset changes), lxcfs's cpuinfo
 * and cpu/online, and the thread pools sized from them agree with what the guest may use. Which
 * CPUs: a run of them from an offset derived from the guest's name, so capped guests spread over
 * the host without any state. `cpu.cpus` always wins (docs/resources.md).
 */
final class CpuView {
  private CpuView() {}

  /** {@code limits} with the cpuset a limit implies; unchanged without limit or with cpu.cpus. */
  static CgroupLimits narrowed(GuestName name, Map<String, String> resources, CgroupLimits limits) {
    String limit = resources.get("cpu.limit");
    if (limit == null || resources.containsKey("cpu.cpus")) {
      return limits;
    }
    return limits.withCpuCpus(
        cpus(name.value(), Values.percent(limit, 0, Integer.MAX_VALUE), hostCpus()));
  }

  /** All the host's CPUs: what a guest whose limit went away runs on again. */
  static String all() {
    return cpus("", 100 * hostCpus(), hostCpus());
  }

  /** ceil(limitPercent / 100) of CPUs 0..hostCpus-1, as a cpuset list, from the name's offset. */
  static String cpus(String guest, int limitPercent, int hostCpus) {
    int wanted = Math.clamp((limitPercent + 99) / 100, 1, hostCpus);
    int offset = Math.floorMod(guest.hashCode(), hostCpus);
    java.util.BitSet chosen = new java.util.BitSet();
    for (int i = 0; i < wanted; i++) {
      chosen.set((offset + i) % hostCpus);
    }
    StringJoiner list = new StringJoiner(",");
    chosen.stream().forEach(c -> list.add(Integer.toString(c)));
    return list.toString();
  }

  private static int hostCpus() {
    return Runtime.getRuntime().availableProcessors();
  }
}
