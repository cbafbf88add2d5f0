package dev.jvs.oci.cli;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.launch.Monitor;
import dev.jvs.oci.Containers;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the OCI runtime from the global options and where jvs-init lives. */
final class Runtime {
  private Runtime() {}

  static Containers containers(OciMain main) {
    if (main.systemdCgroup) {
      throw new JvsException("--systemd-cgroup is not supported by jvs (use the cgroupfs driver)");
    }
    // A service's client forks the monitors, so containers stay descendants of the caller.
    Monitor.Starter monitors = main.caller.viaService()
        ? main.caller.monitors()
        : Monitor.Starter.process(initBinary());
    return new Containers(main.path(main.root), monitors, CgroupDriver.detect(), main::warn);
  }

  /** -Djvs.init, then $JVS_INIT, then jvs-init beside the jar. */
  static Path initBinary() {
    String configured = System.getProperty("jvs.init", System.getenv("JVS_INIT"));
    if (configured != null) {
      return Path.of(configured);
    }
    try {
      Path jar = Path.of(OciMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
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
