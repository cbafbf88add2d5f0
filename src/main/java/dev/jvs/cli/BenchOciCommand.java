package dev.jvs.cli;

import dev.jvs.bench.OciBench;
import dev.jvs.bench.Row;
import dev.jvs.bench.StartupReport;
import java.io.PrintWriter;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench oci`: containerd's `ctr run --rm` with runc, jvs-oci and crun. */
@Command(
    name = "oci",
    description = {
      "`ctr run --rm IMAGE ID /bin/true` with runc, jvs-oci and crun.",
      "End to end with runc, jvs-oci cold (a JVM per call), jvs-oci warm (handed to `jvs"
          + " serve`) and crun where it runs, interleaved, through a containerd the benchmark"
          + " starts with its own config, root and socket. Needs root, containerd and ctr; leaves"
          + " nothing behind."
    })
final class BenchOciCommand implements Callable<Integer> {
  private static final int LABEL_WIDTH = 50;

  @Spec CommandSpec spec;

  @Option(names = "--runs", defaultValue = "10", description = "timed runs per row")
  int runs;

  @Override
  public Integer call() throws Exception {
    if (runs < 1) {
      throw new IllegalArgumentException("--runs must be at least 1");
    }
    Consumer<String> progress = BenchCommand.progress(spec, "bench: ");
    BenchCommand.Measured<StartupReport> measured =
        BenchCommand.measure(host -> new OciBench(host, progress).run(runs));
    StartupReport r = measured.result();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "ctr run --rm IMAGE ID /bin/true, end to end: %d interleaved runs per row (after %d"
            + " warm-up round)%n",
        r.runs(), r.warmupRounds());
    out.printf("  %-" + LABEL_WIDTH + "s %10s %10s %8s%n", "runtime", "median", "p90", "x runc");
    for (Row row : r.rows()) {
      switch (row) {
        case Row.Measured m -> {
          OptionalDouble ratio = r.ratioToRunc(m);
          out.printf(
              "  %-" + LABEL_WIDTH + "s %10s %10s %8s%n",
              m.label(),
              millis(m.latency().medianMillis()),
              millis(m.latency().p90Millis()),
              ratio.isPresent() ? String.format("%.2fx", ratio.getAsDouble()) : "-");
        }
        case Row.Skipped s -> out.printf("  %s: %s%n", s.label(), s.reason());
      }
    }
    r.notes().forEach(n -> out.println("note: " + n));
    out.flush();
    return measured.exitAfterPrinting();
  }

  private static String millis(double ms) {
    return String.format("%.1f ms", ms);
  }
}
