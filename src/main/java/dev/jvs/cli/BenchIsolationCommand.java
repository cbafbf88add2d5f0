package dev.jvs.cli;

import dev.jvs.bench.IsolationBench;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench isolation`: the paper's performance isolation under attack. */
@Command(
    name = "isolation",
    description = {
      "Guest A's slowdown while guest B attacks within its own limits.",
      "Performance isolation under attack: a CPU-bound reference workload in guest A, alone and"
          + " while guest B runs a fork bomb (in C: it keeps forking at B's pids.max), a CPU hog,"
          + " a memory hog, a disk writer (each within B's limits). Prints A's median times, by"
          + " A's own clock, with B frozen and running, paired, and the slowdown; beside it the"
          + " same pairs with A and B as host processes in cgroups with the same limits (the"
          + " machine's floor). Needs root and gcc; leaves nothing behind."
    })
final class BenchIsolationCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--runs", defaultValue = "9", description = "timed pairs per row")
  int runs;

  @Override
  public Integer call() throws Exception {
    if (runs < 1) {
      throw new IllegalArgumentException("--runs must be at least 1");
    }
    Consumer<String> progress = BenchCommand.progress(spec, "bench: ");
    BenchCommand.Measured<IsolationBench.Result> measured =
        BenchCommand.measure(host -> new IsolationBench(host, progress).run(runs));
    IsolationBench.Result r = measured.result();
    PrintWriter o = spec.commandLine().getOut();
    String format = "%-42s %10s %10s %9s %18s %6s %9s %10s%n";
    o.printf(
        format,
        "",
        "B frozen",
        "B running",
        "slowdown",
        "quartiles",
        "goal",
        "A's cpu",
        "host procs");
    for (int i = 0; i < r.labels().size(); i++) {
      Duration p = r.paused().get(i);
      Duration a = r.attacked().get(i);
      IsolationBench.Slowdown s = r.slowdowns().get(i);
      o.printf(
          format,
          r.labels().get(i),
          i == 0 ? "-" : p.toMillis() + " ms",
          a.toMillis() + " ms",
          i == 0 ? "-" : percent(s.median()),
          i == 0 ? "" : percent(s.lowerQuartile()) + " .. " + percent(s.upperQuartile()),
          i == 0 ? "" : "≤ 5 %",
          i == 0 ? "" : percent(r.cpuTime().get(i).median()),
          i == 0 || Double.isNaN(r.nativeSlowdowns().get(i).median())
              ? ""
              : percent(r.nativeSlowdowns().get(i).median()));
    }
    o.println(
        "A's median times (by the guest's uptime) over "
            + runs
            + " pairs run back to back with B frozen (cgroup"
            + " freezer) and B running, in alternating order;");
    o.println("slowdown = median of the pairs' running/frozen ratios, with their quartiles;");
    o.println(
        "A's cpu = the same for A's CPU time: A's work costing more; the rest of a slowdown is"
            + " CPU time A did not get");
    o.println(
        "B's limits: pids.max=128 memory.rss=256M memory.swap=0; equal cpu.share; B unprivileged"
            + " (its pids.max is its RLIMIT_NPROC too) but in the row that says privileged");
    o.println(
        "host procs = the slowdown of the same pairs run right after by host processes, A and B"
            + " each in a cgroup of its own with the same limits, B as root: this machine's floor");
    o.flush();
    return measured.exitAfterPrinting();
  }

  private static String percent(double fraction) {
    return String.format("%+.1f %%", 100 * fraction);
  }
}
