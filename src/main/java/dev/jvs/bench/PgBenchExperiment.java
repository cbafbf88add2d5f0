package dev.jvs.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The paper's OSDB database macro-benchmark, with PostgreSQL 15 and pgbench as its modern stand-in:
 * one instance natively, in a jvs guest and in a runc container (the same binaries, {@link
 * PgSystems}), in interleaved rounds, each a fresh instance; throughput and latency percentiles as
 * ratios to native.
 */
final class PgBenchExperiment implements PaperExperiment {
  private static final List<String> ROWS =
      List.of("time per transaction", "p50 latency", "p95 latency", "p99 latency");
  private static final int CLIENTS = 2;

  @Override
  public String name() {
    return "pgbench";
  }

  @Override
  public String title() {
    return "PostgreSQL 15 with pgbench (the paper's OSDB macro-benchmark), native vs jvs vs runc";
  }

  @Override
  public Duration estimate(boolean quick) {
    return quick ? Duration.ofSeconds(45) : Duration.ofMinutes(12);
  }

  private static int rounds(boolean quick) {
    return quick ? 1 : 5;
  }

  private static int seconds(boolean quick) {
    return quick ? 5 : 30;
  }

  private static int scale(boolean quick) {
    return quick ? 1 : 10;
  }

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) {
    PgSystems systems = PgSystems.prepare(host, scale(quick), progress);
    List<String> names = systems.names();
    int rounds = rounds(quick);
    Map<String, List<PgResult>> results = new LinkedHashMap<>();
    names.forEach(n -> results.put(n, new ArrayList<>()));
    ResultTable table = new ResultTable();
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < names.size(); k++) {
        host.checkOpen();
        String system = names.get(Math.floorMod(r + k, names.size()));
        progress.accept("round " + (r + 1) + "/" + rounds + ": " + system);
        PgResult res;
        try (PgFleet fleet = systems.fleet(system)) {
          fleet.start(1);
          res = fleet.benchAll(1, seconds(quick), CLIENTS);
        }
        results.get(system).add(res);
        table.add(system, "tps", "tx/s", r, res.tps());
        table.add(system, "p50", "ms", r, res.p50());
        table.add(system, "p95", "ms", r, res.p95());
        table.add(system, "p99", "ms", r, res.p99());
      }
    }

    CostRatios ratios = CostRatios.of(names, results, ROWS.size(), PgBenchExperiment::cost);
    List<Claim> claims = new ArrayList<>();
    List<String> notes = new ArrayList<>(systems.notes());
    for (int s = 0; s < ratios.compared().size(); s++) {
      String system = ratios.compared().get(s);
      for (int i = 0; i < ROWS.size(); i++) {
        double[] m = ratios.of(s, i);
        if (system.equals(PgSystems.JVS)) {
          claims.add(
              Claim.ratio(
                  name(),
                  ROWS.get(i) + ": jvs / native",
                  "the paper: VServer's OSDB close to native; goal here within 5 % (<= 1.05x)",
                  m,
                  1.05));
        } else {
          notes.add(
              String.format(
                  "%s: %s / native %.3fx; jvs / %s %.3fx",
                  ROWS.get(i), system, m[0], system, ratios.of(0, i)[0] / m[0]));
        }
      }
    }
    for (String system : names) {
      List<PgResult> rs = results.get(system);
      notes.add(
          String.format(
              "%s: %.0f tx/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (medians over rounds)",
              system, median(rs, 0), median(rs, 1), median(rs, 2), median(rs, 3)));
    }
    notes.add(
        String.format(
            "%d interleaved round(s), each a fresh instance: cluster copied from one seed (initdb,"
                + " pgbench -i -s %d), then pgbench -T %d -c %d -j 1 (TPC-B-like) inside the"
                + " system; latency percentiles over every transaction of the per-transaction"
                + " log; PostgreSQL with synchronous_commit=off and shared_buffers=32MB, over a"
                + " unix socket",
            rounds, scale(quick), seconds(quick), CLIENTS));
    notes.add(
        "the same host binaries everywhere: the jvs guest and the runc container run on a template"
            + " whose /usr is hard-linked from the host's (guests have no host bind mounts); the"
            + " jvs cluster lives in the guest's overlayfs layer, runc's on a bind-mounted host"
            + " directory (its root is read-only, as its files are the host's), native's in the"
            + " benchmark's scratch directory; native runs in a cgroup of its own beside the"
            + " guests'");
    BarChart chart =
        ratios.chart(
            "pgbench: cost relative to native (95 % CI), lower is better", "cost / native", ROWS);
    return new Output(table, claims, Map.of(name(), chart), notes);
  }

  /** Row {@code i} as a cost: the time per transaction (1/tps), or a latency percentile. */
  private static double cost(PgResult r, int i) {
    return switch (i) {
      case 0 -> 1 / r.tps();
      case 1 -> r.p50();
      case 2 -> r.p95();
      default -> r.p99();
    };
  }

  private static double median(List<PgResult> rs, int i) {
    return Quartiles.of(rs.stream().mapToDouble(r -> i == 0 ? r.tps() : cost(r, i)).toArray())
        .median();
  }
}
