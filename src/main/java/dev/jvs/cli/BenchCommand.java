package dev.jvs.cli;

import dev.jvs.bench.BenchHost;
import java.io.PrintWriter;
import java.util.Optional;
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

  /** What a benchmark measures on its host. */
  @FunctionalInterface
  interface Measure<T> {
    T on(BenchHost host) throws Exception;
  }

  /**
   * A benchmark's figures and how its host's cleanup went: a cleanup that fails (something left on
   * the host) is reported after the figures are printed, not instead of them.
   */
  record Measured<T>(T result, Optional<RuntimeException> cleanupFailure) {
    /** The command's exit code once the figures are out: 0, or the cleanup's failure thrown. */
    Integer exitAfterPrinting() {
      cleanupFailure.ifPresent(
          e -> {
            throw e;
          });
      return 0;
    }
  }

  /**
   * Runs {@code measure} on a fresh host and removes the host. When the measurement itself fails,
   * that failure is thrown (a failed cleanup suppressed into it).
   */
  static <T> Measured<T> measure(Measure<T> measure) throws Exception {
    BenchHost host = host();
    T result;
    try {
      result = measure.on(host);
    } catch (Exception | Error e) {
      try {
        host.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    try {
      host.close();
      return new Measured<>(result, Optional.empty());
    } catch (RuntimeException cleanup) {
      return new Measured<>(result, Optional.of(cleanup));
    }
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
