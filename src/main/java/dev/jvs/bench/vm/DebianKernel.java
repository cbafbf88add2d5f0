package dev.jvs.bench.vm;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's kernel package, fetched and unpacked (cached) by debian-kernel.sh, the script the cgroup
 * v2 test host (tools/v2host) uses too: vmlinuz and its modules, nothing installed on the host.
 */
public record DebianKernel(Path vmlinuz, Path modules, String version) {
  private static final String SCRIPT = "/dev/jvs/bench/vm/debian-kernel.sh";

  /** Runs the script from the jar (copied into {@code scratch}); downloads on first use. */
  public static DebianKernel fetch(Path scratch) {
    Path script = scratch.resolve("debian-kernel.sh");
    try (InputStream in = DebianKernel.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new JvsException("debian-kernel.sh is missing from the jar");
      }
      Files.createDirectories(scratch);
      Files.write(script, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(script + ": " + e.getMessage(), e);
    }
    String out =
        Shell.check("vm kernel", List.of("bash", script.toString()), Duration.ofMinutes(10));
    Path dir = Path.of(out.strip().lines().reduce((a, b) -> b).orElseThrow());
    try {
      return new DebianKernel(
          dir.resolve("vmlinuz"),
          dir.resolve("modules"),
          Files.readString(dir.resolve("kernel-version")).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
  }
}
