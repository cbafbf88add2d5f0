package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs host commands for the benchmark with the jvs environment (JVS_ROOT, JVS_RUN) set. Timed runs
 * read nothing from the child: stdout goes to /dev/null and stderr to a file that is read only when
 * the command failed, so no pipe-draining thread sits inside the measurement.
 */
final class HostCommands {
  private static final File DEV_NULL = new File("/dev/null");

  private final Map<String, String> env;
  private final Path errLog;

  HostCommands(Map<String, String> env, Path errLog) {
    this.env = Map.copyOf(env);
    this.errLog = errLog;
  }

  /** Exit status and combined output of a command. */
  record Result(int exitCode, String output) {
    /** The first non-blank line of the output, for one-line messages. */
    String firstLine() {
      return output.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
    }
  }

  /** Runs {@code argv} to completion; throws with its last stderr line unless it exits 0. */
  void run(List<String> argv) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(argv)
            .redirectInput(DEV_NULL)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(errLog.toFile());
    pb.environment().putAll(env);
    int code = pb.start().waitFor();
    if (code != 0) {
      throw new JvsException(argv.getFirst() + " exited " + code + ": " + lastErrorLine());
    }
  }

  /** Runs {@code argv} and returns its status and output; kills it after {@code timeout}. */
  Result capture(List<String> argv, Duration timeout) {
    try {
      ProcessBuilder pb =
          new ProcessBuilder(argv).redirectInput(DEV_NULL).redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
      // Setup commands print little; reading before waiting cannot deadlock on a full pipe.
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new JvsException(String.join(" ", argv) + ": no exit within " + timeout);
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(argv.getFirst() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(argv.getFirst() + ": interrupted");
    }
  }

  /** As {@link #capture}, throwing with the first output line unless it exits 0. */
  String check(List<String> argv, Duration timeout) {
    Result r = capture(argv, timeout);
    if (r.exitCode() != 0) {
      throw new JvsException(
          String.join(" ", argv) + " exited " + r.exitCode() + ": " + r.firstLine());
    }
    return r.output();
  }

  private String lastErrorLine() {
    try {
      List<String> lines =
          Files.readAllLines(errLog).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
      return lines.isEmpty() ? "(no message)" : lines.getLast();
    } catch (IOException e) {
      return "(no message)";
    }
  }
}
