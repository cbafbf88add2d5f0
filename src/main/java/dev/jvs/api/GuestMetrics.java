package dev.jvs.api;

import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.guest.GuestStatus;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;

/**
 * The guests' figures, labelled guest="NAME" (docs/api.md, "Metrics"): from the event watcher's
 * latest look at the guests ({@link GuestLooks}), at most {@code maxAge} old, so that a scrape with
 * a thousand guests does not read their twelve thousand cgroup files itself.
 */
final class GuestMetrics implements MultiCollector {
  private final GuestLooks looks;
  private final java.time.Duration maxAge;

  GuestMetrics(GuestLooks looks, java.time.Duration maxAge) {
    this.looks = looks;
    this.maxAge = maxAge;
  }

  @Override
  public MetricSnapshots collect() {
    GuestLooks.Look look = looks.latest(maxAge);
    List<GuestStatus> all = look.guests();
    Families f = new Families();
    long running = 0;
    for (GuestStatus s : all) {
      Labels guest = Labels.of("guest", s.name());
      boolean up = s.state() == GuestStatus.State.RUNNING;
      f.gauge("jvs_guest_running", "1 while the guest runs", null, guest, up ? 1 : 0);
      limit(f, s, guest, "memory.rss", "jvs_guest_memory_limit_bytes", "memory limit (memory.rss)");
      limit(f, s, guest, "pids.max", "jvs_guest_processes_limit", "process limit (pids.max)");
      if (!up) {
        continue;
      }
      running++;
      f.gauge(
          "jvs_guest_start_time_seconds",
          "when the guest started, seconds since the epoch",
          Unit.SECONDS,
          guest,
          (System.currentTimeMillis() - s.uptime().toMillis()) / 1000.0);
      look.counters(s.name()).ifPresent(c -> c.addTo(f, guest));
    }
    f.gauge("jvs_guests", "guests on this host", null, Labels.EMPTY, all.size());
    f.gauge("jvs_guests_running", "running guests on this host", null, Labels.EMPTY, running);
    return f.build();
  }

  private static void limit(
      Families f, GuestStatus s, Labels guest, String key, String name, String help) {
    String v = s.resources().get(key);
    if (v == null) {
      return;
    }
    try {
      f.gauge(name, help, null, guest, (double) dev.jvs.guest.config.Values.size(v));
    } catch (RuntimeException e) {
      // not a plain number (e.g. "max"): no limit to report
    }
  }

  /** Collects data points by metric name, in first-seen order. */
  static final class Families {
    private final java.util.Map<String, GaugeSnapshot.Builder> gauges =
        new java.util.LinkedHashMap<>();
    private final java.util.Map<String, CounterSnapshot.Builder> counters =
        new java.util.LinkedHashMap<>();

    void gauge(String name, String help, Unit unit, Labels labels, double value) {
      gauges
          .computeIfAbsent(
              name,
              n -> {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(n).help(help);
                return unit == null ? b : b.unit(unit);
              })
          .dataPoint(
              GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
    }

    void counter(String name, String help, Unit unit, Labels labels, double value) {
      if (value < 0) {
        return; // unknown on this host
      }
      counters
          .computeIfAbsent(
              name,
              n -> {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(n).help(help);
                return unit == null ? b : b.unit(unit);
              })
          .dataPoint(
              CounterSnapshot.CounterDataPointSnapshot.builder()
                  .labels(labels)
                  .value(value)
                  .build());
    }

    MetricSnapshots build() {
      List<MetricSnapshot> out = new ArrayList<>();
      gauges.values().forEach(b -> out.add(b.build()));
      counters.values().forEach(b -> out.add(b.build()));
      return new MetricSnapshots(out);
    }
  }

  static double known(long v) {
    return v == CgroupUsage.UNKNOWN ? -1 : v;
  }
}
