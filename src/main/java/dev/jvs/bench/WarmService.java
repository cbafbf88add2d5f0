package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.serve.RequestLog;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code jvs serve} as a separate JVM on the running jar, as systemd would start it (full JIT, no
 * per-call flags), serving the given JVS_ROOT and JVS_RUN (it refuses callers of other ones), its
 * log in a file; {@link #close()} stops it with SIGTERM.
 */
final class WarmService implements AutoCloseable {
  private final Path socket;
  private final Path log;
  private final Process process;

  private WarmService(Path socket, Path log, Process process) {
    this.socket = socket;
    this.log = log;
    this.process = process;
  }

  static WarmService start(JvmCli cli, Path root, Path run, Path log) {
    Path socket = run.resolve("jvs.sock");
    List<String> argv =
        new ArrayList<>(
            List.of(
                cli.java().toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-Djvs.init=" + cli.init(),
                "-jar",
                cli.jar().toString(),
                "serve",
                "--no-lxcfs"));
    try {
      ProcessBuilder pb =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().put("JVS_ROOT", root.toString());
      pb.environment().put("JVS_RUN", run.toString());
      Process p = pb.start();
      WarmService s = new WarmService(socket, log, p);
      for (int i = 0; i < 1500 && !Files.exists(socket); i++) {
        if (!p.isAlive()) {
          throw new JvsException("jvs serve exited " + p.exitValue() + ": see " + log);
        }
        Thread.sleep(20);
      }
      if (!Files.exists(socket)) {
        s.close();
        throw new JvsException("jvs serve did not listen within 30 s: see " + log);
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("jvs serve: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException("interrupted while jvs serve started");
    }
  }

  Path socket() {
    return socket;
  }

  /** Requests of {@code front} (jvs, jvs-oci) it ran to the end, as its log has them. */
  long requestsServed(String front) {
    try {
      return RequestLog.ran(Files.readString(log)).stream()
          .filter(r -> r.front().equals(front))
          .count();
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      Files.deleteIfExists(socket); // gone already unless SIGTERM did not get through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
