package dev.jvs.cli;

import dev.jvs.view.GuestStat;
import dev.jvs.view.GuestViews;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "top",
    description = "Live per-guest CPU, memory and process view (vtop); Ctrl-C quits.")
final class TopCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-d", "--delay"},
      defaultValue = "1",
      description = "seconds between updates")
  double delay;

  @Option(
      names = {"-n", "--iterations"},
      defaultValue = "0",
      description = "stop after N updates (0: never)")
  int iterations;

  @Option(names = "--plain", description = "no screen clearing (for logs and tests)")
  boolean plain;

  @Override
  public Integer call() throws InterruptedException {
    var out = spec.commandLine().getOut();
    GuestViews views = Views.create(this);
    Map<String, Long> lastCpu = new HashMap<>();
    long lastTime = System.nanoTime();
    String format = "%-16s %6s %9s %9s %5s %9s%n";
    for (int i = 0; iterations == 0 || i < iterations; i++) {
      if (i > 0) {
        Thread.sleep((long) (delay * 1000));
      }
      long now = System.nanoTime();
      var stats = views.statsWithUsage();
      if (!plain) {
        out.print("\033[H\033[2J"); // cursor home, clear screen
      }
      out.printf(
          "jvs top - %s, %d guests running%n%n",
          LocalTime.now().truncatedTo(ChronoUnit.SECONDS), stats.size());
      out.printf(format, "NAME", "%CPU", "MEM", "RSS", "PROC", "UPTIME");
      for (GuestStat s : stats) {
        Long before = lastCpu.put(s.name(), s.cpuNanos());
        String cpu =
            before == null || i == 0
                ? "-"
                : String.format("%.1f", 100.0 * (s.cpuNanos() - before) / (now - lastTime));
        out.printf(
            format,
            s.name(),
            cpu,
            Views.size(s.memoryBytes()),
            Views.size(s.rssBytes()),
            s.processes(),
            Format.duration(s.uptime()));
      }
      out.flush();
      lastTime = now;
    }
    return 0;
  }
}
