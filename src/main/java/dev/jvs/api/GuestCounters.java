package dev.jvs.api;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupStats;
import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.JvsDirs;
import dev.jvs.net.NetNames;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A running guest's counters for the metrics: its cgroup's (through the driver, which knows the
 * files of v1 and v2) and its veth's, whose host end counts the other way round (what the host end
 * transmits, the guest receives).
 */
final class GuestCounters {
  private static final Path NET = Path.of("/sys/class/net");

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

  Optional<Counters> read(GuestStatus s) {
    return cgroups
        .find(parent, s.name())
        .map(c -> new Counters(c.usage(), c.stats(), network(s.name())));
  }

  /** Guest's rx bytes, rx packets, tx bytes, tx packets; null without a veth. */
  private long[] network(String guest) {
    Path stats = NET.resolve(net.veth(guest)).resolve("statistics");
    try {
      return new long[] {
        number(stats.resolve("tx_bytes")),
        number(stats.resolve("tx_packets")),
        number(stats.resolve("rx_bytes")),
        number(stats.resolve("rx_packets"))
      };
    } catch (IOException | NumberFormatException e) {
      return null; // no veth: network none or host-ip
    }
  }

  private static long number(Path file) throws IOException {
    return Long.parseLong(Files.readString(file).strip());
  }
}
