package dev.jvs.oci.serve;

import dev.jvs.launch.Monitor;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Where a jvs-oci command line comes from: the directory its relative paths are relative to, its
 * stdin ({@code update --resources -}), and who starts jvs-init monitors for it.
 *
 * @param monitors null when this process starts them (a cold jvs-oci); the service's client
 *     otherwise, which forks them so containers stay descendants of the caller
 */
public record Caller(Path cwd, Monitor.Starter monitors, Supplier<InputStream> stdin) {
  /** This very process: the cold path. */
  public static Caller self() {
    return new Caller(Path.of("").toAbsolutePath(), null, () -> System.in);
  }

  public boolean viaService() {
    return monitors != null;
  }
}
