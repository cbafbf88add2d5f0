package dev.jvs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The static test helper src/test/c/probe.c, compiled once per test run with the system gcc. */
public final class Probe {
  private static Path binary;

  private Probe() {}

  public static synchronized Path binary() {
    String prebuilt = System.getProperty("jvs.probe");
    if (binary == null && prebuilt != null) {
      binary = Path.of(prebuilt); // built on the host, e.g. for the read-only cgroup v2 test host
    }
    if (binary == null) {
      Path out = Path.of(System.getProperty("jvs.init", "target/jvs-init")).resolveSibling("probe");
      try {
        Process gcc =
            new ProcessBuilder("gcc", "-static", "-O2", "-Wall", "-Werror", "-o", out.toString(),
                    "src/test/c/probe.c")
                .inheritIO()
                .start();
        if (gcc.waitFor() != 0 || !Files.isExecutable(out)) {
          throw new IllegalStateException("cannot build the probe with gcc");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      binary = out;
    }
    return binary;
  }
}
