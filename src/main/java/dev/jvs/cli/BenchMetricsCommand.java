package dev.jvs.cli;

import dev.jvs.bench.MetricsBench;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench metrics`: the time of a Prometheus scrape of /1.0/metrics with N running guests. */
@Command(
    name = "metrics",
    description = {
      "Time a Prometheus scrape of the REST API's /1.0/metrics with N idle busybox guests",
      "running (goal: 1,000 guests in at most 250 ms). Needs root; leaves nothing behind."
    })
final class BenchMetricsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--guests", defaultValue = "100", description = "idle guests running")
  int guests;

  @Option(names = "--runs", defaultValue = "20", description = "timed scrapes")
  int runs;

  @Override
  public Integer call() throws Exception {
    if (guests < 0 || runs < 1) {
      throw new IllegalArgumentException("--guests must be at least 0, --runs at least 1");
    }
    BenchCommand.Measured<MetricsBench.Result> measured =
        BenchCommand.measure(
            host ->
                new MetricsBench(host, BenchCommand.progress(spec, "bench: ")).run(guests, runs));
    MetricsBench.Result r = measured.result();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "scrape with %d guests: median %.1f ms, p90 %.1f ms, CPU %.1f ms (%d scrapes, %d KiB,"
            + " %d guest series; load average %s)%n",
        r.guests(),
        r.median(),
        r.p90(),
        r.cpuMedian(),
        runs,
        r.bytes() / 1024,
        r.series(),
        r.load());
    out.flush();
    return measured.exitAfterPrinting();
  }
}
