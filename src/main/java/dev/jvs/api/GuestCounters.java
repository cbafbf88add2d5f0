package dev.jvs.api;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupException;
import dev.jvs.cgroup.CgroupStats;
import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.JvsDirs;
import dev.jvs.net.NetNames;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A running guest's counters for the metrics: its cgroup's (through the driver, which knows the
 * files of v1 and v2) and its veth's, whose host end counts the other way round (what the host end
 * transmits, the guest receives).
 */
final class GuestCounters {
  private final CgroupDriver cgroups;
  private final String parent;
  private final NetNames net;

  GuestCounters(CgroupDriver cgroups, JvsDirs dirs) {
    this.cgroups = cgroups;
    this.parent = dirs.cgroupParent();
    this.net = NetNames.of(dirs.root());
  }

  /** What one guest's counters were at the time of reading. */
  record Counters(CgroupUsage usage, CgroupStats stats, long[] network) {
    long pidsMaxHits() {
      return stats.pidsMaxHits();
    }

    void addTo(GuestMetrics.Families f, Labels guest) {
      f.counter(
          "jvs_guest_cpu_seconds",
          "CPU time of the guest's processes",
          Unit.SECONDS,
          guest,
          seconds(usage.cpuNanos()));
      f.counter(
          "jvs_guest_cpu_user_seconds",
          "CPU time in user mode",
          Unit.SECONDS,
          guest,
          seconds(stats.cpuUserNanos()));
      f.counter(
          "jvs_guest_cpu_system_seconds",
          "CPU time in the kernel",
          Unit.SECONDS,
          guest,
          seconds(stats.cpuSystemNanos()));
      gauge(f, "jvs_guest_memory_swap_bytes", "swap in use", guest, stats.swapBytes());
      f.counter(
          "jvs_guest_pids_max_hits", "forks refused at pids.max", null, guest, stats.pidsMaxHits());
      f.counter(
          "jvs_guest_block_read_bytes",
          "bytes read from block devices",
          null,
          guest,
          stats.ioReadBytes());
      f.counter(
          "jvs_guest_block_write_bytes",
          "bytes written to block devices",
          null,
          guest,
          stats.ioWriteBytes());
      gauge(f, "jvs_guest_memory_usage_bytes", "memory in use", guest, usage.memoryBytes());
      gauge(f, "jvs_guest_memory_peak_bytes", "most memory used", guest, usage.memoryPeakBytes());
      gauge(f, "jvs_guest_processes", "processes (tasks) in the guest", guest, usage.pids());
      f.counter(
          "jvs_guest_oom_kills", "processes the OOM killer ended", null, guest, usage.oomKills());
      if (network != null) {
        String[] names = {"receive_bytes", "receive_packets", "transmit_bytes", "transmit_packets"};
        for (int i = 0; i < names.length; i++) {
          f.counter(
              "jvs_guest_network_" + names[i],
              "network " + names[i].replace('_', ' ') + " of the guest's veth",
              null,
              guest,
              network[i]);
        }
      }
    }

    private static double seconds(long nanos) {
      return nanos < 0 ? -1 : nanos / 1e9;
    }

    private static void gauge(
        GuestMetrics.Families f, String name, String help, Labels guest, long v) {
      if (v >= 0) {
        f.gauge(name, help, null, guest, v);
      }
    }
  }

  /**
   * The running guests' counters, read side by side (reading the files is most of it); the veths'
   * from one read for all.
   */
  Map<String, Counters> read(List<GuestStatus> running) {
    Map<String, long[]> veths = VethCounters.read();
    Map<String, Counters> counters = new ConcurrentHashMap<>();
    running.parallelStream().forEach(s -> read(s, veths).ifPresent(c -> counters.put(s.name(), c)));
    return Map.copyOf(counters);
  }

  private Optional<Counters> read(GuestStatus s, Map<String, long[]> veths) {
    try {
      return cgroups
          .find(parent, s.name())
          .map(c -> new Counters(c.usage(), c.stats(), network(veths, s.name())));
    } catch (CgroupException e) {
      return Optional.empty(); // stopped while read (ENODEV): no counters, as a stopped guest
    }
  }

  /**
   * Guest's rx bytes, rx packets, tx bytes, tx packets (its host end's the other way round); null
   * without a veth (network none or host-ip).
   */
  private long[] network(Map<String, long[]> veths, String guest) {
    long[] host = veths.get(net.veth(guest));
    return host == null ? null : new long[] {host[2], host[3], host[0], host[1]};
  }
}
