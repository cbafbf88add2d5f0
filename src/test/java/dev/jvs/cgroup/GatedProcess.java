package dev.jvs.cgroup;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A shell script that waits on stdin before running, so a test can move it into a cgroup first:
 * everything it forks or allocates then happens inside. Output goes to files (no pipe to fill).
 */
final class GatedProcess implements AutoCloseable {
  private final Process process;
  private final Path out;
  private final Path err;

  private GatedProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  static GatedProcess start(String script) throws IOException {
    Path out = Files.createTempFile("jvs-cgroup-test", ".out");
    Path err = Files.createTempFile("jvs-cgroup-test", ".err");
    Process p =
        new ProcessBuilder("sh", "-c", "read go; " + script)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    return new GatedProcess(p, out, err);
  }

  long pid() {
    return process.pid();
  }

  void go() throws IOException {
    try (OutputStream in = process.getOutputStream()) {
      in.write('\n');
    }
  }

  boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  int exitValue() {
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String stdout() {
    return read(out);
  }

  String stderr() {
    return read(err);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
  }
}
