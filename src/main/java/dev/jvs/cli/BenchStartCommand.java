package dev.jvs.cli;

import dev.jvs.bench.MemoryBench;
import dev.jvs.bench.MemoryReport;
import dev.jvs.bench.Row;
import dev.jvs.bench.StartBreakdown;
import dev.jvs.bench.StartupBench;
import dev.jvs.bench.StartupReport;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench start`: start-up latency against runc, crun and unshare; memory per idle guest. */
@Command(
    name = "start",
    description = {
      "Start-up latency against runc, crun and unshare; memory per guest.",
      "Median and p90 start-to-exit time of /bin/true in a fresh guest (jvs start) and a running"
          + " one (jvs exec), through the client and service, the CLI without a service and the"
          + " in-process API, interleaved with runc, crun, unshare+chroot and the bare binary;"
          + " `jvs list` against `runc list` with --listed of each running. Then host memory per"
          + " idle guest. Needs root; leaves nothing behind."
    })
final class BenchStartCommand implements Callable<Integer> {
  private static final int LABEL_WIDTH = 57;

  @Spec CommandSpec spec;

  @Option(names = "--runs", defaultValue = "30", description = "timed runs per row")
  int runs;

  @Option(
      names = "--guests",
      defaultValue = "100",
      description = "idle guests for the memory figures, 0 to skip")
  int guests;

  @Option(
      names = "--listed",
      defaultValue = "100",
      description =
          "guests and runc containers running while `jvs list` is timed against `runc list`,"
              + " 0 to skip")
  int listed;

  @Option(
      names = "--breakdown",
      description =
          "then where an in-process start's time goes,"
              + " phase by phase (medians over --runs starts)")
  boolean breakdown;

  @Override
  public Integer call() throws Exception {
    if (runs < 1 || guests < 0 || listed < 0) {
      throw new IllegalArgumentException(
          "--runs must be at least 1, --guests and --listed at least 0");
    }
    Consumer<String> progress = BenchCommand.progress(spec, "bench: ");
    BenchCommand.Measured<Figures> measured =
        BenchCommand.measure(
            host ->
                new Figures(
                    new StartupBench(host, progress).run(runs, listed),
                    breakdown ? new StartBreakdown(host, progress).run(runs) : List.of(),
                    guests > 0
                        ? Optional.of(new MemoryBench(host, progress).run(guests))
                        : Optional.empty()));
    Figures figures = measured.result();
    PrintWriter out = spec.commandLine().getOut();
    printStartup(out, figures.startup());
    if (!figures.phases().isEmpty()) {
      out.println("Where an in-process start's time goes (medians per phase, ms):");
      figures
          .phases()
          .forEach(
              p ->
                  out.printf(
                      "  %-" + (LABEL_WIDTH - 2) + "s %10.2f%n", p.name(), p.medianMillis()));
    }
    figures.memory().ifPresent(m -> printMemory(out, m));
    out.flush();
    return measured.exitAfterPrinting();
  }

  private record Figures(
      StartupReport startup, List<StartBreakdown.Phase> phases, Optional<MemoryReport> memory) {}

  private static void printStartup(PrintWriter out, StartupReport r) {
    out.printf(
        "Start-to-exit latency of /bin/true: %d interleaved runs per row (after %d warm-up"
            + " rounds)%n",
        r.runs(), r.warmupRounds());
    out.printf("%-" + LABEL_WIDTH + "s %10s %10s %8s%n", "", "median", "p90", "x runc");
    for (Row.Group group : Row.Group.values()) {
      if (r.rows().stream().noneMatch(row -> row.group() == group)) {
        continue;
      }
      out.println(
          switch (group) {
            case START -> "fresh guest / container running /bin/true (ratio to runc run):";
            case EXEC -> "/bin/true in a running guest / container (ratio to runc exec):";
            case LIST -> "list the guests / containers (ratio to runc list):";
          });
      for (Row row : r.rows()) {
        if (row.group() != group) {
          continue;
        }
        switch (row) {
          case Row.Measured m -> {
            OptionalDouble ratio = r.ratioToRunc(m);
            out.printf(
                "  %-" + (LABEL_WIDTH - 2) + "s %10s %10s %8s%n",
                m.label(),
                millis(m.latency().medianMillis()),
                millis(m.latency().p90Millis()),
                ratio.isPresent() ? ratio(ratio.getAsDouble()) : "-");
          }
          case Row.Skipped s -> out.printf("  %s: %s%n", s.label(), s.reason());
        }
      }
    }
    r.notes().forEach(n -> out.println("note: " + n));
  }

  private static void printMemory(PrintWriter out, MemoryReport m) {
    out.println();
    out.printf(
        "Host memory per idle guest: %d busybox system guests (started in %.1f s"
            + " in-process, then idle 2 s)%n",
        m.guests(), m.startAll().toMillis() / 1000.0);
    memoryLine(
        out,
        "MemAvailable drop / guests",
        signedBytes(m.memAvailableDropPerGuest()),
        "(MemAvailable "
            + Format.bytes(m.memAvailableBefore())
            + " before, "
            + Format.bytes(m.memAvailableAfter())
            + " after)");
    memoryLine(
        out,
        "  without this JVM's own growth",
        signedBytes(m.hostMemoryPerGuest()),
        "(its RSS beyond its live heap, after a full collection each time)");
    memoryLine(
        out,
        "SUnreclaim + KernelStack + PageTables growth / guests",
        signedBytes(m.kernelPerGuest()),
        "");
    memoryLine(out, "Pss (monitor + guest processes) / guests", Format.bytes(m.pssPerGuest()), "");
    memoryLine(out, "  of which jvs-init monitor", Format.bytes(m.monitorPssPerGuest()), "");
    memoryLine(
        out,
        "  of which guest processes",
        Format.bytes(m.guestPssPerGuest()),
        "(" + m.processes() + " processes in " + m.guests() + " cgroups)");
    out.println(
        "note: MemAvailable also counts kernel memory (namespaces, cgroups, mounts, page"
            + " tables) and whatever else ran on the host meanwhile (negative: others freed more"
            + " than the guests took); Pss counts user pages only");
  }

  private static void memoryLine(PrintWriter out, String label, String value, String extra) {
    String line = String.format("  %-" + (LABEL_WIDTH - 2) + "s %10s  %s", label, value, extra);
    out.println(line.stripTrailing());
  }

  private static String signedBytes(long b) {
    return b < 0 ? "-" + Format.bytes(-b) : Format.bytes(b);
  }

  private static String millis(double ms) {
    return ms < 10 ? String.format("%.2f ms", ms) : String.format("%.1f ms", ms);
  }

  private static String ratio(double x) {
    return x < 10 ? String.format("%.2fx", x) : String.format("%.1fx", x);
  }
}
