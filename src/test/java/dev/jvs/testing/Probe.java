package dev.jvs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Static test helpers written in C (src/test/c/NAME.c), each compiled once per test run with the
 * system gcc: {@code probe} (restricted-root checks, hogs) and the attack probes.
 */
public final class Probe {
  private static final Map<String, Path> BUILT = new HashMap<>();

  private Probe() {}

  /** The general probe, src/test/c/probe.c. */
  public static Path binary() {
    return binary("probe");
  }

  /** src/test/c/{@code name}.c, built statically beside jvs-init (or -Djvs.probe for "probe"). */
  public static synchronized Path binary(String name) {
    String prebuilt = System.getProperty("jvs." + name);
    if (!BUILT.containsKey(name) && prebuilt != null) {
      BUILT.put(name, Path.of(prebuilt)); // built on the host, e.g. for the read-only v2 test host
    }
    if (!BUILT.containsKey(name)) {
      Path out = Path.of(System.getProperty("jvs.init", "target/jvs-init")).resolveSibling(name);
      try {
        Process gcc =
            new ProcessBuilder(
                    "gcc",
                    "-static",
                    "-O2",
                    "-Wall",
                    "-Werror",
                    "-o",
                    out.toString(),
                    "src/test/c/" + name + ".c")
                .inheritIO()
                .start();
        if (gcc.waitFor() != 0 || !Files.isExecutable(out)) {
          throw new IllegalStateException("cannot build the probe " + name + " with gcc");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      BUILT.put(name, out);
    }
    return BUILT.get(name);
  }
}
