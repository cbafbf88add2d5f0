package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.Cli;
import dev.jvs.testing.TestHost;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * `jvs serve` for one test host, started as a user would (./jvs serve, i.e. the client, which execs
 * the JVM for it), its log in a file. Its signal dispositions are reset (`env --default-signal`): a
 * service started from a background job would otherwise pass an ignored SIGINT on to every guest it
 * starts, as any process does.
 */
final class TestService implements AutoCloseable {
  final Path socket;
  final Path log;
  final Process process;

  private TestService(Path socket, Path log, Process process) {
    this.socket = socket;
    this.log = log;
    this.process = process;
  }

  static Path client() {
    return Cli.client()
        .orElseThrow(
            () ->
                new IllegalStateException("no jvs-client: run with -Djvs.client=BUILD/jvs-client"));
  }

  /** Starts the service for {@code host} and waits until it listens. */
  static TestService start(TestHost host, String... extra) {
    return start(host.env(), host.dirs().run().resolve("jvs.sock"), host.base(), extra);
  }

  static TestService start(Map<String, String> env, Path socket, Path dir, String... extra) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "env",
                "--default-signal",
                client().toString(),
                "serve",
                "--no-lxcfs",
                "--tick",
                "200ms"));
    cmd.addAll(List.of(extra));
    Path log = uniqueLog(dir);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    environment(pb, env);
    try {
      TestService s = new TestService(socket, log, pb.start());
      try {
        s.awaitListening();
        return s;
      } catch (AssertionError | RuntimeException e) {
        s.close(); // never leave a service behind
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The environment a client or service of the test runs with: the JDK of this test. */
  static void environment(ProcessBuilder pb, Map<String, String> env) {
    pb.environment().remove("JVS_SOCKET");
    pb.environment().put("JVS_JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
  }

  private static Path uniqueLog(Path dir) {
    try {
      return Files.createTempFile(dir, "serve", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void awaitListening() {
    try {
      for (int i = 0; i < 1500 && !listening() && process.isAlive(); i++) {
        Thread.sleep(20);
      }
      assertThat(listening()).as(logText()).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean listening() {
    return Files.exists(socket) && logText().contains("jvs and jvs-oci calls on");
  }

  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** The requests it logged ("#N FRONT ARGS -> CODE (T ms)", or "-> its own JVM: …"). */
  List<String> served() {
    return logText().lines().filter(l -> l.matches("\\S+ #\\d+ .*")).toList();
  }

  /** Waits until a line matching {@code regex} is in the log. */
  boolean awaitLog(String regex, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      if (logText().lines().anyMatch(l -> l.matches(regex))) {
        return true;
      }
      Thread.sleep(10);
    }
    return false;
  }

  /** What a command printed and returned. */
  record Result(int code, String out, String err) {}

  /** ./jvs ARGS for {@code host}: through its service when one listens, else in a JVM. */
  static Result jvs(TestHost host, String... args) {
    return jvsWithStdin(host, null, args);
  }

  static Result jvsWithStdin(TestHost host, String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of(client().toString()));
    cmd.addAll(List.of(args));
    return run(host.env(), host.base(), stdin, cmd, 120);
  }

  /**
   * Runs {@code cmd} in {@code dir} with {@code stdin} (null: /dev/null) and its output in files,
   * so that a hung command fails the test instead of blocking a read.
   */
  static Result run(
      Map<String, String> env, Path dir, String stdin, List<String> cmd, int seconds) {
    try {
      Path out = Files.createTempFile(dir, "out", ".txt");
      Path err = Files.createTempFile(dir, "err", ".txt");
      Path in = Files.createTempFile(dir, "in", ".txt");
      try {
        Files.writeString(in, stdin == null ? "" : stdin);
        ProcessBuilder pb =
            new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectInput(
                    stdin == null
                        ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                        : ProcessBuilder.Redirect.from(in.toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        environment(pb, env);
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          throw new IllegalStateException(String.join(" ", cmd) + " hung");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        Files.deleteIfExists(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  long pid() {
    return process.pid();
  }

  /** A crash: SIGKILL. The socket file stays, with nobody behind it. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: the service removes its socket
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      Files.deleteIfExists(socket);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
