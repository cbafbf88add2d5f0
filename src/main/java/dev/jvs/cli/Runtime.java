package dev.jvs.cli;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.guest.JvsDirs;
import dev.jvs.kernel.seccomp.SeccompCompiler;
import dev.jvs.kernel.seccomp.SeccompProfiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Builds the runtime from the environment: JVS_ROOT, JVS_RUN and where jvs-init lives. */
final class Runtime {
  private Runtime() {}

  static Guests guests() {
    Map<String, String> env = System.getenv();
    return new Guests(
        JvsDirs.fromEnvironment(env),
        initBinary(env),
        CgroupDriver.detect(),
        SeccompCompiler.compile(SeccompProfiles.defaultProfile()));
  }

  static GuestName name(String value) {
    return GuestName.of(value);
  }

  /** -Djvs.init, then $JVS_INIT, then jvs-init beside the jar. */
  static Path initBinary(Map<String, String> env) {
    String configured = System.getProperty("jvs.init", env.get("JVS_INIT"));
    if (configured != null) {
      return Path.of(configured);
    }
    try {
      Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path beside = jar.getParent().resolve("jvs-init");
      if (Files.isExecutable(beside)) {
        return beside;
      }
    } catch (Exception e) {
      // fall through to the error below
    }
    throw new JvsException("jvs-init not found: set JVS_INIT or install it beside jvs.jar");
  }
}
