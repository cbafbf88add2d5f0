package dev.jvs.serve;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.Guests;
import dev.jvs.guest.JvsDirs;
import dev.jvs.kernel.seccomp.SeccompCompiler;
import dev.jvs.kernel.seccomp.SeccompProfiles;
import dev.jvs.launch.Launcher;
import dev.jvs.launch.Monitor;
import dev.jvs.runtime.Instances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runtime pieces that are expensive to make and the same for every call: the compiled default
 * seccomp filter, the cgroup driver (probed from mountinfo) and one {@link Guests} per
 * JVS_ROOT/JVS_RUN. A JVM per call makes them once; the service keeps them for its lifetime. They
 * hold no guest state: every operation reads it from disk and the kernel under the guest's lock, so
 * a cached Guests never serves a stale view.
 */
public final class RuntimeCache {
  private final Map<JvsDirs, Guests> guests = new ConcurrentHashMap<>();
  private volatile CgroupDriver cgroups;
  private volatile byte[] seccomp;
  private volatile Path initBinary;

  /** jvs-init as this process finds it: -Djvs.init, then $JVS_INIT, then beside the jar. */
  public Path initBinary() {
    Path p = initBinary;
    if (p == null) {
      initBinary = p = initBinary(System.getenv());
    }
    return p;
  }

  public CgroupDriver cgroups() {
    CgroupDriver c = cgroups;
    if (c == null) {
      cgroups = c = CgroupDriver.detect();
    }
    return c;
  }

  /** The compiled default seccomp profile (docs/seccomp.md). */
  public byte[] seccomp() {
    byte[] s = seccomp;
    if (s == null) {
      seccomp = s = SeccompCompiler.compile(SeccompProfiles.defaultProfile());
    }
    return s;
  }

  /**
   * The runtime of the guests under {@code dirs}. Its monitors are this process's children, except
   * where a launch's stdio is a service caller's own: then that caller forks the monitor on it (a
   * foreground `jvs start NAME -- CMD`), as the cold path's JVM would have.
   */
  public Guests guests(JvsDirs dirs) {
    return guests.computeIfAbsent(dirs, d -> new Guests(d, monitors(), cgroups(), seccomp()));
  }

  /**
   * The runtime core for jvs-oci's containers: their monitors are forked by {@code clientMonitors}
   * when a service's client called (so that a container stays a descendant of its caller), else
   * spawned by this process.
   */
  public Instances instances(Monitor.Starter clientMonitors) {
    return new Instances(
        cgroups(), clientMonitors != null ? clientMonitors : Monitor.Starter.process(initBinary()));
  }

  private Monitor.Starter monitors() {
    Monitor.Starter own = Monitor.Starter.process(initBinary());
    return (socket, stdio) -> {
      Launcher.Stdio.Fds fds = stdio.fds();
      if (fds != null && fds.owner() != null) {
        return fds.owner().start(socket, stdio);
      }
      Monitor m = own.start(socket, stdio);
      unprotect(m.pid());
      return m;
    };
  }

  /**
   * The service shields itself from the OOM killer (oom_score_adj -1000, so that its watchdog
   * outlives memory pressure), and a child inherits that: a monitor it starts gets the default back
   * before it reads its program, so that the guest it clones stays killable, by the host's OOM
   * killer and by its own memory cgroup's. (Raising the value needs no privilege.)
   */
  private static void unprotect(long monitorPid) {
    try {
      if (Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip()) < 0) {
        Files.writeString(Path.of("/proc/" + monitorPid + "/oom_score_adj"), "0");
      }
    } catch (IOException | NumberFormatException e) {
      // gone already (its launch fails on its own), or no procfs: nothing to undo
    }
  }

  /** -Djvs.init, then JVS_INIT in {@code env}, then jvs-init beside the jar. */
  public static Path initBinary(Map<String, String> env) {
    String configured = System.getProperty("jvs.init", env.get("JVS_INIT"));
    if (configured != null) {
      return Path.of(configured);
    }
    try {
      Path jar =
          Path.of(RuntimeCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
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
