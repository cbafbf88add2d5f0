package dev.jvs.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The jvs CLI as a user runs it: a fresh JVM on the very jar that runs this benchmark, with the
 * flags ./jvs (jvs-client) passes when no service answers, so the cold-start rows time what a user
 * types on a machine without the service.
 */
public record JvmCli(Path java, Path jar, Path init) {
  /** The JVM flags of ./jvs; keep in step with cold() in native/jvs-client.c. */
  static final List<String> SCRIPT_FLAGS =
      List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** The CLI on the running jar, or empty when this code was not loaded from a jar. */
  public static Optional<JvmCli> ofRunningJar(Path init) {
    Path jar;
    try {
      jar = Path.of(JvmCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      return Optional.empty();
    }
    if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
      return Optional.empty();
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return Optional.of(new JvmCli(java, jar, init.toAbsolutePath()));
  }

  /**
   * The AOT cache flags ./jvs adds (cold() in native/jvs-client.c), for a service as well: the
   * jar's {@code jvs.aot} while it is newer than the jar (JDK 25 would not notice a changed jar),
   * else none.
   */
  public List<String> aotCacheFlags() {
    Path cache = jar.resolveSibling("jvs.aot");
    try {
      if (Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0) {
        return List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off");
      }
    } catch (java.io.IOException e) {
      // no cache
    }
    return List.of();
  }

  /** The command line: java, ./jvs's flags, {@code extraFlags}, -jar, then the jvs arguments. */
  public List<String> command(List<String> extraFlags, List<String> args) {
    List<String> argv = new ArrayList<>();
    argv.add(java.toString());
    argv.addAll(SCRIPT_FLAGS);
    argv.add("-Djvs.init=" + init);
    argv.addAll(extraFlags);
    argv.add("-jar");
    argv.add(jar.toString());
    argv.addAll(args);
    return argv;
  }
}
