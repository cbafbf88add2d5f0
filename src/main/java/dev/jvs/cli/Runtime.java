package dev.jvs.cli;

import dev.jvs.serve.RuntimeCache;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where jvs-init lives, for the commands that run in a JVM of their own (bench). Every other
 * command takes its runtime from its caller ({@link Verb#guests()}).
 */
final class Runtime {
  private Runtime() {}

  /** -Djvs.init, then $JVS_INIT, then jvs-init beside the jar. */
  static Path initBinary(Map<String, String> env) {
    return RuntimeCache.initBinary(env);
  }
}
