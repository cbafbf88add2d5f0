package dev.jvs.cli;

import dev.jvs.bench.BenchHost;
import java.io.PrintWriter;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * `jvs bench`: the benchmarks' command group. Each Bench*Command parses its options, runs its
 * benchmark (dev.jvs.bench) on a fresh {@link BenchHost} and prints the table.
 */
@Command(
    name = "bench",
    description = "Benchmarks that print tables (they run under their own temporary JVS_ROOT).",
    subcommands = {
      BenchStartCommand.class,
      BenchCpuCommand.class,
      BenchIsolationCommand.class,
      BenchNetCommand.class,
      BenchSharingCommand.class,
      BenchOciCommand.class,
      BenchPaperCommand.class,
      BenchDensityCommand.class,
      BenchMetricsCommand.class,
      BenchMigrateCommand.class,
      CommandLine.HelpCommand.class
    })
final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A private jvs installation for one run, its guests launched by the configured jvs-init. */
  static BenchHost host() {
    return BenchHost.create(Runtime.initBinary(System.getenv()));
  }

  /** Progress lines on the command's stderr, each after {@code prefix}, flushed at once. */
  static Consumer<String> progress(CommandSpec spec, String prefix) {
    PrintWriter err = spec.commandLine().getErr();
    return line -> {
      err.println(prefix + line);
      err.flush();
    };
  }
}
