package dev.jvs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged CLI as its own process, as a user or script would: ./jvs, i.e. the jvs-client
 * binary (-Djvs.client), which hands the call to a `jvs serve` listening on the host's JVS_RUN and
 * otherwise execs the JVM on jvs.jar (-Djvs.cli=jar runs the JVM directly instead).
 */
public final class Cli {
  private final TestHost host;

  public Cli(TestHost host) {
    this.host = host;
  }

  public record Result(int code, String out, String err) {}

  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Djvs.init=" + TestHost.initBinary());
    cmd.add("-jar");
    cmd.add(System.getProperty("jvs.jar", "target/jvs.jar"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** The jvs-client binary the tests run, or empty when only the jar is there. */
  public static java.util.Optional<Path> client() {
    Path client = Path.of(System.getProperty("jvs.client", "target/jvs-client"));
    return "jar".equals(System.getProperty("jvs.cli")) || !java.nio.file.Files.isExecutable(client)
        ? java.util.Optional.empty()
        : java.util.Optional.of(client.toAbsolutePath());
  }

  /** ./jvs ARGS as a user runs it (the client), falling back to {@link #command}. */
  public ProcessBuilder builder(String... args) {
    java.util.Optional<Path> client = client();
    List<String> cmd = new ArrayList<>();
    client.ifPresent(c -> cmd.add(c.toString()));
    cmd.addAll(client.isPresent() ? List.of(args) : command(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("JVS_SOCKET"); // the host's own JVS_RUN decides
    // the client's JVM path runs this very JDK
    pb.environment().put("JVS_JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(host.env());
    return pb;
  }

  public Result run(String... args) {
    try {
      Process p =
          builder(args)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      var err = p.getErrorStream();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String errText = new String(err.readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("jvs " + String.join(" ", args) + " hung");
      }
      return new Result(p.exitValue(), out, errText);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
