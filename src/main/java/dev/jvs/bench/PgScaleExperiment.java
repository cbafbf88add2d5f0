package dev.jvs.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Performance at scale, past the paper's 8 instances: 1, 2, 4, ... 64 instances of PostgreSQL, each
 * with its own cluster and its own pgbench, all benchmarked at once; aggregate throughput and
 * latency percentiles natively, in jvs guests and in runc containers side by side. Memory bounds
 * the count: each system's host memory per instance is measured, and a count whose instances would
 * not fit in MemAvailable (with a reserve) is skipped and said so.
 */
final class PgScaleExperiment implements PaperExperiment {
  private static final int CLIENTS = 1;
  private static final long RESERVE = 2L << 30;

  /** Before any measurement: a generous guess of one instance's memory, in bytes. */
  private static final long FIRST_GUESS = 96L << 20;

  @Override
  public String name() {
    return "scale";
  }

  @Override
  public String title() {
    return "performance at scale (the paper's Figure 8, to 64 instances): PostgreSQL + pgbench"
        + " per instance, native vs jvs vs runc";
  }

  @Override
  public Duration estimate(boolean quick) {
    return quick ? Duration.ofSeconds(50) : Duration.ofMinutes(25);
  }

  private static List<Integer> counts(boolean quick) {
    return quick ? List.of(1, 2, 4) : List.of(1, 2, 4, 8, 16, 32, 64);
  }

  private static int seconds(boolean quick) {
    return quick ? 3 : 30;
  }

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) throws Exception {
    PgSystems systems = PgSystems.prepare(host, 1, progress);
    List<String> names = systems.names();
    List<Integer> counts = new ArrayList<>();
    Map<String, Map<Integer, PgResult>> results = new LinkedHashMap<>();
    Map<String, Long> perInstance = new LinkedHashMap<>();
    names.forEach(n -> results.put(n, new LinkedHashMap<>()));
    List<String> notes = new ArrayList<>(systems.notes());
    ResultTable table = new ResultTable();
    int round = 0;
    for (int count : counts(quick)) {
      long need =
          count
              * names.stream()
                  .mapToLong(n -> perInstance.getOrDefault(n, FIRST_GUESS))
                  .max()
                  .orElse(FIRST_GUESS);
      long available = ProcMemory.settled().available();
      if (available - RESERVE < need) {
        notes.add(
            String.format(
                "stopped before %d instances: they would need about %d MiB, MemAvailable is %d MiB"
                    + " (%d MiB kept in reserve)",
                count, need >> 20, available >> 20, RESERVE >> 20));
        break;
      }
      counts.add(count);
      for (int k = 0; k < names.size(); k++) {
        host.checkOpen();
        String system = names.get(Math.floorMod(round + k, names.size()));
        progress.accept(count + " instance(s): " + system);
        try (PgFleet fleet = systems.fleet(system)) {
          long before = ProcMemory.settled().available();
          fleet.start(count);
          long up = ProcMemory.settled().available();
          long each = Math.max(0, (before - up) / count);
          perInstance.merge(system, each, Math::max);
          PgResult r = fleet.benchAll(count, seconds(quick), CLIENTS);
          results.get(system).put(count, r);
          table.add(system, "tps@" + count, "tx/s", 0, r.tps());
          table.add(system, "p50@" + count, "ms", 0, r.p50());
          table.add(system, "p95@" + count, "ms", 0, r.p95());
          table.add(system, "p99@" + count, "ms", 0, r.p99());
          table.add(system, "memory_per_instance@" + count, "KiB", 0, each / 1024.0);
        }
      }
      round++;
    }

    List<Claim> claims = new ArrayList<>();
    List<String> categories =
        counts.stream().map(c -> c + (c == 1 ? " instance" : " instances")).toList();
    double[][] tps = new double[names.size()][counts.size()];
    double[][] p95 = new double[names.size()][counts.size()];
    for (int s = 0; s < names.size(); s++) {
      for (int c = 0; c < counts.size(); c++) {
        PgResult r = results.get(names.get(s)).get(counts.get(c));
        tps[s][c] = r.tps();
        p95[s][c] = r.p95();
      }
    }
    for (int c = 0; c < counts.size(); c++) {
      int count = counts.get(c);
      PgResult nat = results.get(PgSystems.NATIVE).get(count);
      PgResult jvs = results.get(PgSystems.JVS).get(count);
      double ratio = nat.tps() / jvs.tps();
      claims.add(
          new Claim(
              name(),
              count + " instances: time per transaction, jvs / native",
              "the paper: VServer scales with native to 8 instances; goal here within 5 % at every"
                  + " count (<= 1.05x)",
              ratio,
              Double.NaN,
              Double.NaN,
              1.05,
              false,
              "x"));
      StringBuilder line = new StringBuilder(count + " instances:");
      for (String system : names) {
        PgResult r = results.get(system).get(count);
        line.append(
            String.format(
                " %s %.0f tx/s, p50 %.2f / p95 %.2f / p99 %.2f ms;",
                system, r.tps(), r.p50(), r.p95(), r.p99()));
      }
      notes.add(line.substring(0, line.length() - 1));
    }
    perInstance.forEach(
        (system, bytes) ->
            notes.add(
                String.format(
                    "%s: host memory per idle instance up to %d MiB (MemAvailable before and after"
                        + " starting them, the largest over the counts)",
                    system, bytes >> 20)));
    notes.add(
        String.format(
            "each instance: its own cluster (copied from one seed: initdb, pgbench -i -s 1),"
                + " server and pgbench -T %d -c %d -j 1 inside its system, all instances at once;"
                + " throughput and latency percentiles over the transactions that ended while all"
                + " of them ran (pgbench's per-transaction logs; a sum of each run's own tps would"
                + " credit the runs that started late with the others' idle time);"
                + " one measurement per count and system, systems interleaved (each count starts"
                + " one system further along); PostgreSQL as in the pgbench experiment",
            seconds(quick), CLIENTS));
    Map<String, BarChart> figures = new LinkedHashMap<>();
    figures.put(
        "scale-tps",
        new BarChart(
            "scale: aggregate pgbench throughput, higher is better",
            "transactions per second, all instances",
            categories,
            names,
            tps,
            null,
            null,
            Double.NaN));
    figures.put(
        "scale-p95",
        new BarChart(
            "scale: p95 transaction latency over all instances, lower is better",
            "milliseconds",
            categories,
            names,
            p95,
            null,
            null,
            Double.NaN));
    return new Output(table, claims, figures, notes);
  }
}
