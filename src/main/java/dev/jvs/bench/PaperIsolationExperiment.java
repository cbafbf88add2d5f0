package dev.jvs.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** `jvs bench isolation` as an experiment of the report: the paper's performance under attack. */
final class PaperIsolationExperiment implements PaperExperiment {
  @Override
  public String name() {
    return "isolation";
  }

  @Override
  public String title() {
    return "performance under attack: a guest's slowdown while another attacks within its limits";
  }

  @Override
  public Duration estimate(boolean quick) {
    return Duration.ofSeconds(quick ? 140 : 540);
  }

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) throws Exception {
    int runs = quick ? 2 : 9;
    IsolationBench.Result r = new IsolationBench(host, progress).run(runs);
    ResultTable table = new ResultTable();
    List<Claim> claims = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    List<String> categories = new ArrayList<>();
    // series 0: jvs guests, 1: host processes (NaN where not measured)
    double[][] slow = new double[2][r.labels().size() - 1];
    double[][] low = new double[2][r.labels().size() - 1];
    double[][] high = new double[2][r.labels().size() - 1];
    for (int i = 0; i < r.labels().size(); i++) {
      String label = r.labels().get(i);
      table.add("jvs", label + " (B frozen)", "ms", 0, r.paused().get(i).toNanos() / 1e6);
      table.add("jvs", label + " (B running)", "ms", 0, r.attacked().get(i).toNanos() / 1e6);
      if (i == 0) {
        continue;
      }
      IsolationBench.Slowdown s = r.slowdowns().get(i);
      IsolationBench.Slowdown cpu = r.cpuTime().get(i);
      table.add("jvs", label + " (A cpu time running / frozen)", "x", 0, 1 + cpu.median());
      categories.add(label.replace("A while B runs a ", ""));
      slow[0][i - 1] = 1 + s.median();
      low[0][i - 1] = 1 + s.lowerQuartile();
      high[0][i - 1] = 1 + s.upperQuartile();
      IsolationBench.Slowdown floor = r.nativeSlowdowns().get(i);
      slow[1][i - 1] = 1 + floor.median();
      low[1][i - 1] = 1 + floor.lowerQuartile();
      high[1][i - 1] = 1 + floor.upperQuartile();
      if (!Double.isNaN(floor.median())) {
        claims.add(
            new Claim(
                name(),
                label + ": A's slowdown in guests / as host processes",
                "what jvs adds to this machine's own floor (host processes in cgroups with the"
                    + " same limits): at most 5 %",
                (1 + s.median()) / (1 + floor.median()),
                Double.NaN,
                Double.NaN,
                1.05,
                false,
                "x"));
        table.add(
            "native", label + " (A's time, B running / B frozen)", "x", 0, 1 + floor.median());
        table.add(
            "native",
            label + " (A cpu time running / frozen)",
            "x",
            0,
            1 + r.nativeCpuTime().get(i).median());
      }
      claims.add(
          new Claim(
              name(),
              label + ": A's time, B running / B frozen",
              "VServer confines a misbehaving guest: A slowed by at most 5 %",
              1 + s.median(),
              Double.NaN,
              Double.NaN,
              1.05,
              false,
              "x"));
      notes.add(
          String.format(
              "%s: %d ms (B frozen: %d ms), slowdown %+.1f %% (quartiles %+.1f .. %+.1f %%);"
                  + " A's CPU time %+.1f %%; host processes: %s",
              label,
              r.attacked().get(i).toMillis(),
              r.paused().get(i).toMillis(),
              100 * s.median(),
              100 * s.lowerQuartile(),
              100 * s.upperQuartile(),
              100 * cpu.median(),
              Double.isNaN(floor.median())
                  ? "not measured (B would be root there, not an unprivileged guest's uid)"
                  : String.format("%+.1f %%", 100 * floor.median())));
    }
    notes.add(
        "median of "
            + runs
            + " pairs run back to back with B frozen and running, A's time by its own clock (the"
            + " guest's uptime); bars show the quartiles, not a confidence interval; B's limits:"
            + " pids.max=128 memory.rss=256M memory.swap=0; the fork bomb is jvs-lmprobe's (C),"
            + " which keeps forking at the limit; B is unprivileged (its pids.max is its"
            + " RLIMIT_NPROC too) but in the row that says privileged; host processes: the same"
            + " pairs right after with A and B as plain host processes, each in a cgroup of its own"
            + " with the same limits, B as root (this machine's floor: what no container removes)");
    BarChart chart =
        new BarChart(
            "Guest A's time while B attacks, relative to B frozen (median, quartiles)",
            "A's time, B running / B frozen",
            categories,
            List.of("jvs", "host processes"),
            slow,
            low,
            high,
            1.0);
    return new Output(table, claims, Map.of("isolation", chart), notes);
  }
}
