package dev.jvs.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * `jvs bench cpu` as an experiment of the report: the paper's fair-share and reservation figures.
 */
final class PaperCpuExperiment implements PaperExperiment {
  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public String title() {
    return "CPU fair share, reservation and cap (the paper's Figure 6)";
  }

  @Override
  public Duration estimate(boolean quick) {
    return Duration.ofSeconds(quick ? 40 : 120);
  }

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) throws Exception {
    List<CpuRun> runs =
        new CpuBench(host, progress)
            .run(
                Duration.ofSeconds(quick ? 1 : 3),
                Duration.ofSeconds(quick ? 3 : 20),
                Duration.ofSeconds(1));
    ResultTable table = new ResultTable();
    List<Claim> claims = new ArrayList<>();
    List<String> categories = new ArrayList<>();
    List<Double> shares = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (CpuRun r : runs) {
      CpuExperiment e = r.experiment();
      for (int i = 0; i < e.guests().size(); i++) {
        String guest = e.guests().get(i).guest();
        for (int s = 0; s < r.samples().size(); s++) {
          table.add("jvs", e.id() + ":" + guest, "share", s, r.samples().get(s)[i]);
        }
        categories.add("(" + e.id() + ") " + guest);
        shares.add(100 * r.means()[i]);
        notes.add(
            String.format(
                "(%s) %s: %.1f %% (goal %s); %s",
                e.id(), guest, 100 * r.means()[i], e.goal(i), e.title()));
      }
      switch (e.id()) {
        case "a" -> {
          double worst = 0;
          for (double m : r.means()) {
            worst = Math.max(worst, Math.abs(100 * m - 100.0 / 3));
          }
          claims.add(
              claim(
                  "(a) fair share, 1/4/16 processes: worst guest's distance from 1/3",
                  "equal shares whatever the process count (VServer's fair-share scheduler), ± 2"
                      + " points",
                  worst,
                  2,
                  false,
                  "points"));
        }
        case "b" ->
            claims.add(
                claim(
                    "(b) reserved guest's share against 3 greedy ones",
                    "a 25 % reservation holds (>= 23 %)",
                    100 * r.means()[0],
                    23,
                    true,
                    "%"));
        case "c" ->
            claims.add(
                claim(
                    "(c) capped guest's share of one CPU, distance from 50 %",
                    "a 50 % cap holds, ± 2 points",
                    Math.abs(100 * r.means()[0] - 50),
                    2,
                    false,
                    "points"));
        default -> {
          // (b0) is the control for (b): no claim of its own
        }
      }
    }
    BarChart chart =
        new BarChart(
            "CPU share per guest (%): (a) fair share, (b0) control, (b) reservation, (c) cap",
            "share, %",
            categories,
            List.of("jvs"),
            new double[][] {shares.stream().mapToDouble(Double::doubleValue).toArray()},
            null,
            null,
            Double.NaN);
    return new Output(table, claims, Map.of("cpu", chart), notes);
  }

  private Claim claim(
      String row, String claim, double value, double goal, boolean higher, String unit) {
    return new Claim(name(), row, claim, value, Double.NaN, Double.NaN, goal, higher, unit);
  }
}
