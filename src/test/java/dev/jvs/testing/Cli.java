package dev.jvs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI (jvs.jar) as its own process, as a user or script would. */
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

  public ProcessBuilder builder(String... args) {
    ProcessBuilder pb = new ProcessBuilder(command(args));
    pb.environment().putAll(host.env());
    return pb;
  }

  public Result run(String... args) {
    try {
      Process p = builder(args).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
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
