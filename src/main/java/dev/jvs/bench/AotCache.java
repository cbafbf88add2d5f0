package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A JDK 25 AOT cache for the CLI (JEP 514/515): one training run with -XX:AOTCacheOutput records
 * the classes it loads and links and writes the cache; later runs map it with -XX:AOTCache.
 */
final class AotCache {
  private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(3);

  private AotCache() {}

  /**
   * Trains a cache at {@code cache} by running the CLI with {@code trainingArgs}, checks that a JVM
   * accepts it, and returns the flags that use it. Throws with a one-line reason otherwise.
   */
  static List<String> train(
      JvmCli cli, HostCommands commands, Path cache, List<String> trainingArgs) {
    // The training run logs a warning per class it cannot archive; only failure matters here.
    List<String> training =
        cli.command(List.of("-XX:AOTCacheOutput=" + cache, "-Xlog:aot=error"), trainingArgs);
    HostCommands.Result r = commands.capture(training, TRAINING_TIMEOUT);
    if (r.exitCode() != 0 || !Files.isRegularFile(cache)) {
      throw new JvsException(
          "AOT training run exited "
              + r.exitCode()
              + ": "
              + r.output().strip().lines().reduce((a, b) -> b).orElse(""));
    }
    List<String> flags = List.of("-XX:AOTCache=" + cache);
    // AOTMode=on makes the JVM fail rather than silently run without an unusable cache.
    HostCommands.Result check =
        commands.capture(
            cli.command(List.of("-XX:AOTMode=on", flags.getFirst()), List.of("--version")),
            TRAINING_TIMEOUT);
    if (check.exitCode() != 0) {
      throw new JvsException("the JVM refuses the AOT cache: " + check.firstLine());
    }
    return flags;
  }
}
