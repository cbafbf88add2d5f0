package dev.jvs.cli;

import dev.jvs.bench.CpuBench;
import dev.jvs.bench.CpuExperiment;
import dev.jvs.bench.CpuRun;
import dev.jvs.bench.SharePlot;
import dev.jvs.guest.config.Values;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench cpu`: the paper's fair-share, reservation and cap experiments. */
@Command(
    name = "cpu",
    description = {
      "The paper's CPU experiments: fair share, a reservation, a cap.",
      "Busy loops (no I/O): (a) fair share of 3 guests running 1, 4 and 16 processes, (b) a 25 %%"
          + " reservation against 3 greedy guests (with the jvs service's scheduler), (c) a 50 %%"
          + " cap. Prints a table and writes one PNG plot per experiment. Needs root; leaves"
          + " nothing behind."
    })
final class BenchCpuCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--seconds", defaultValue = "20", description = "measured seconds per experiment")
  int seconds;

  @Option(names = "--interval", defaultValue = "1s", description = "sampling interval")
  String interval;

  @Option(names = "--out", defaultValue = ".", description = "directory for the PNG plots")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (seconds < 1) {
      throw new IllegalArgumentException("--seconds must be at least 1");
    }
    Files.createDirectories(out);
    Consumer<String> progress = BenchCommand.progress(spec, "bench: ");
    BenchCommand.Measured<List<CpuRun>> measured =
        BenchCommand.measure(
            host ->
                new CpuBench(host, progress)
                    .run(
                        Duration.ofSeconds(3),
                        Duration.ofSeconds(seconds),
                        Values.duration(interval)));
    List<CpuRun> runs = measured.result();
    PrintWriter o = spec.commandLine().getOut();
    String format = "%-4s %-12s %5s  %-34s %-11s %8s %8s %8s%n";
    o.printf(format, "EXP", "GUEST", "PROCS", "LIMITS", "GOAL", "SHARE", "MIN", "MAX");
    for (CpuRun r : runs) {
      CpuExperiment e = r.experiment();
      for (int i = 0; i < e.guests().size(); i++) {
        CpuExperiment.Load l = e.guests().get(i);
        int j = i;
        double[] col = r.samples().stream().mapToDouble(s -> s[j]).toArray();
        o.printf(
            format,
            "(" + e.id() + ")",
            l.guest(),
            l.processes(),
            new java.util.TreeMap<>(l.limits()).toString(),
            e.goal(i),
            pct(r.means()[i]),
            pct(Arrays.stream(col).min().orElse(0)),
            pct(Arrays.stream(col).max().orElse(0)));
      }
      Path png = out.resolve("jvs-bench-cpu-" + e.id() + ".png");
      SharePlot.write(r, png);
      o.printf(
          "     %s: %s; plot %s%n",
          e.ofWallTime() ? "share of one CPU (wall time)" : "share of the guests' CPU time",
          e.title(),
          png.toAbsolutePath());
    }
    o.flush();
    return measured.exitAfterPrinting();
  }

  private static String pct(double fraction) {
    return String.format("%.1f %%", 100 * fraction);
  }
}
