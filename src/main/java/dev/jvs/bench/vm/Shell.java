package dev.jvs.bench.vm;

import dev.jvs.base.JvsException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a setup command of the VM contender (never timed) and returns its output or throws. */
final class Shell {
  private Shell() {}

  /**
   * Runs {@code argv}; throws naming {@code what} and the command's last line unless it exits 0.
   */
  static String check(String what, List<String> argv, Duration timeout) {
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectInput(new File("/dev/null"))
              .redirectErrorStream(true)
              .start();
      // Read while it runs: a full pipe would block the command.
      CompletableFuture<byte[]> output = new CompletableFuture<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  output.complete(p.getInputStream().readAllBytes());
                } catch (IOException e) {
                  output.completeExceptionally(e);
                }
              });
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new JvsException(what + ": " + argv.getFirst() + " timed out after " + timeout);
      }
      String text = new String(output.join(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        String last = text.strip().lines().reduce((a, b) -> b).orElse("(no output)");
        throw new JvsException(
            what + ": " + String.join(" ", argv) + " exited " + p.exitValue() + ": " + last);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": " + argv.getFirst() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(what + ": interrupted");
    }
  }
}
