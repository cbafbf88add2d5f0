package dev.jvs.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.base.AtomicFiles;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupException;
import dev.jvs.cgroup.CgroupLimits;
import dev.jvs.cgroup.CgroupTuning;
import dev.jvs.kernel.FileLock;
import dev.jvs.kernel.Pidfd;
import dev.jvs.kernel.ProcStat;
import dev.jvs.kernel.Signal;
import dev.jvs.launch.LaunchException;
import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Launched;
import dev.jvs.launch.Launcher;
import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import dev.jvs.runtime.PlanProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The OCI runtime: runc's lifecycle (create, start, state, kill, delete) and its extras (exec,
 * ps, update, list) over the shared launch path. Front-ends call this; nothing here prints.
 */
public final class Containers {
  private static final String DEFAULT_CGROUP_PARENT = "jvs-oci";
  private static final ObjectMapper JSON = OciConfigReader.mapper();

  private final StateDir dirs;
  private final Launcher launcher;
  private final CgroupDriver cgroups;
  private final Consumer<String> warnings;

  public Containers(Path root, Path initBinary, CgroupDriver cgroups) {
    this(root, new Launcher(initBinary), cgroups,
        w -> System.getLogger("jvs-oci").log(System.Logger.Level.WARNING, w));
  }

  /**
   * With a launcher of the caller's choosing (the warm service's clients fork the monitors) and
   * where warnings go (the front-end prints them to its caller).
   */
  public Containers(Path root, Launcher launcher, CgroupDriver cgroups, Consumer<String> warnings) {
    this.dirs = new StateDir(root);
    this.launcher = launcher;
    this.cgroups = cgroups;
    this.warnings = warnings;
  }

  /** Options of {@code create} besides the id and bundle. */
  public record CreateOptions(Path pidFile, Path consoleSocket, boolean noPivot) {}

  public void create(String id, Path bundle, CreateOptions opts) {
    StateDir.checkId(id);
    try (FileLock lock = dirs.lock()) {
      if (dirs.exists(id)) {
        throw new OciException("container with id exists: " + id);
      }
      Path absBundle = bundle.toAbsolutePath().normalize();
      OciConfig config = OciConfigReader.readBundle(absBundle);
      OciValidator.check(config);
      Path rootfs = absBundle.resolve(config.root().path()).normalize();
      if (!Files.isDirectory(rootfs)) {
        throw new OciException("invalid rootfs: stat " + rootfs + ": no such file or directory");
      }
      Executable.check(rootfs, config.process());
      warnUnraisableAmbient(config.process());
      boolean terminal = Boolean.TRUE.equals(config.process().terminal());
      if (terminal && opts.consoleSocket() == null) {
        throw new OciException(
            "cannot allocate tty if jvs-oci will detach without setting console socket");
      }
      if (!terminal && opts.consoleSocket() != null) {
        throw new OciException("cannot use console socket if jvs-oci will not detach or allocate tty");
      }
      Plan.Namespaces ns = Namespaces.of(config.linux());
      OciValidator.checkNamespaces(config, ns);
      Seccomp.Filter seccomp = Seccomp.compile(config.linux().seccomp());
      CgroupLimits limits = Resources.limits(config.linux().resources(), config.linux().devices());
      CgroupTuning tuning = Resources.tuning(config.linux().resources());
      String[] cg = cgroupPath(id, config.linux().cgroupsPath());
      Path dir = dirs.dir(id);
      LaunchProgram program = PlanProgram.start(
          ContainerPlan.build(config, ns, seccomp,
              new ContainerPlan.Where(absBundle, rootfs, dirs.fifo(id), opts.noPivot(), terminal,
                  opts.consoleSocket())));
      Cgroup cgroup = null;
      try {
        Files.createDirectories(dir);
        Fifo.create(dirs.fifo(id));
        if (!ns.has(Namespace.MOUNT)) {
          HostMounts.record(dir, rootfs); // its mounts land on the host: note what was there
        }
        cgroup = cgroups.create(cg[0], cg[1]);
        cgroup.apply(limits);
        cgroup.tune(tuning);
        Cgroup placed = cgroup;
        try (Launched launched =
            launcher.launch(program, dirs.socket(id), Launcher.Stdio.inherit(),
                (monitorPid, childPid) -> {
                  placed.addProcess(childPid);
                  ContainerState s = new ContainerState(id, childPid,
                      ProcStat.startTime(childPid).orElse(0), absBundle.toString(),
                      rootfs.toString(), Instant.now().toString(), cg[0], cg[1],
                      Namespace.flags(ns.create()) | Namespace.flags(ns.join().keySet()),
                      config.annotations(), config.hooks());
                  dirs.write(s);
                  // runtime-spec lifecycle: create's hooks run once the environment exists
                  // (after step 2), when the status is "created"
                  String json = stateJson(s, "created");
                  if (ContainerPlan.needsHookState(config)) {
                    AtomicFiles.write(ContainerPlan.hookStateFile(dirs.fifo(id)), json);
                  }
                  Hooks.run("prestart", hooks(config).prestart(), json);
                  Hooks.run("createRuntime", hooks(config).createRuntime(), json);
                  writePidFile(opts.pidFile(), childPid);
                })) {
          // the child waits on the FIFO: nothing more to do with its monitor
        }
      } catch (LaunchException e) {
        cleanup(id, cgroup, cg[0], opts.pidFile(), rootfs);
        throw new OciException(describe(e), e);
      } catch (IOException e) {
        cleanup(id, cgroup, cg[0], opts.pidFile(), rootfs);
        throw new OciException(e.getMessage(), e);
      } catch (RuntimeException e) {
        cleanup(id, cgroup, cg[0], opts.pidFile(), rootfs);
        throw e;
      }
    }
  }

  private static final int ETIMEDOUT = 110;
  private static final int ECANCELED = 125;

  private static String describe(LaunchException e) {
    String m = e.getMessage();
    if (e.errno() == ECANCELED || e.errno() == ETIMEDOUT) { // jvs-init's `hook` (launch-program.md)
      int cut = m.lastIndexOf(": ");
      m = m.substring(0, cut < 0 ? m.length() : cut)
          + (e.errno() == ECANCELED ? ": exited with a non-zero status" : ": timed out");
    }
    if (m.startsWith("exec ") && m.endsWith("No such file or directory")) {
      String file = m.substring(5, m.lastIndexOf(':'));
      return "exec: \"" + file + "\": executable file not found in $PATH";
    }
    return "unable to start container process: " + m;
  }

  private static void writePidFile(Path file, long pid) {
    if (file != null) {
      AtomicFiles.write(file.toAbsolutePath(), Long.toString(pid));
    }
  }

  private static void deletePidFile(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file.toAbsolutePath());
      } catch (IOException ignored) {
        // the error being reported matters more
      }
    }
  }

  private void cleanup(String id, Cgroup cgroup, String parent, Path pidFile, Path rootfs) {
    deletePidFile(pidFile);
    HostMounts.unmountNew(dirs.dir(id), rootfs);
    if (cgroup != null) {
      try {
        cgroup.destroy();
        removeParentIfEmpty(parent);
      } catch (CgroupException ignored) {
        // the original error matters more; `delete` retries
      }
    }
    dirs.remove(id);
  }

  public void start(String id) {
    ContainerState s;
    try (FileLock lock = dirs.lock()) {
      s = dirs.read(id);
      String status = status(s);
      switch (status) {
        case "created" -> {}
        case "stopped" -> throw new OciException("cannot start a container that has stopped");
        default -> throw new OciException("cannot start an already " + status + " container");
      }
      ContainerState created = s;
      Fifo.release(dirs.fifo(id), () -> !status(created).equals("stopped"));
      try {
        Files.deleteIfExists(dirs.fifo(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Hooks.run("poststart", hooks(s).poststart(), stateJson(s, "running"));
  }

  public ContainerState.Oci state(String id) {
    try (FileLock lock = dirs.lock()) {
      ContainerState s = dirs.read(id);
      return s.toOci(status(s));
    }
  }

  public List<ContainerState.Oci> list() {
    try (FileLock lock = dirs.lock()) {
      List<ContainerState.Oci> all = new ArrayList<>();
      for (String id : dirs.ids()) {
        dirs.tryRead(id).ifPresent(s -> all.add(s.toOci(status(s))));
      }
      return all;
    }
  }

  public void kill(String id, int signal, boolean all) {
    try (FileLock lock = dirs.lock()) {
      ContainerState s = dirs.read(id);
      String status = status(s);
      if (status.equals("stopped")) {
        throw new OciException("container not running");
      }
      if (all) {
        for (long pid : cgroupOf(s).map(Cgroup::pids).orElse(List.of())) {
          Pidfd.open(pid).ifPresent(p -> {
            try (p) {
              p.signal(signal);
            }
          });
        }
        return;
      }
      Optional<Pidfd> pidfd = Pidfd.open(s.pid());
      if (pidfd.isEmpty() || !ProcStat.isSame(s.pid(), s.pidStartTime())) {
        pidfd.ifPresent(Pidfd::close);
        throw new OciException("container not running");
      }
      try (Pidfd p = pidfd.get()) {
        if (!p.signal(signal)) {
          throw new OciException("container not running");
        }
      }
    }
  }

  public void delete(String id, boolean force) {
    ContainerState s;
    try (FileLock lock = dirs.lock()) {
      if (!dirs.exists(id)) {
        if (force) {
          return;
        }
        throw new OciException("container does not exist");
      }
      Optional<ContainerState> read = dirs.tryRead(id);
      if (read.isEmpty()) {
        dirs.remove(id); // corrupt state: nothing to signal, only the directory to remove
        return;
      }
      s = read.get();
      String status = status(s);
      // runtime-spec: deleting a container that is not stopped (created included) is an error
      if (!status.equals("stopped") && !force) {
        throw new OciException("cannot delete container " + id + " that is not stopped: " + status);
      }
      if (!status.equals("stopped")) {
        Pidfd.open(s.pid()).ifPresent(p -> {
          try (p) {
            if (ProcStat.isSame(s.pid(), s.pidStartTime())) {
              p.signal(Signal.SIGKILL);
              p.awaitExit(10_000);
            }
          }
        });
      }
      cgroupOf(s).ifPresent(Cgroup::destroy);
      removeParentIfEmpty(s.cgroupParent());
      HostMounts.unmountNew(dirs.dir(id), Path.of(s.rootfs()));
      dirs.remove(id);
    }
    try {
      Hooks.run("poststop", hooks(s).poststop(), stateJson(s, "stopped"));
    } catch (OciException e) {
      // runtime-spec: a failing poststop hook is logged and the deletion still succeeds
      System.getLogger("jvs-oci").log(System.Logger.Level.WARNING, e.getMessage());
    }
  }

  /** The container's process ids (host pids), for {@code ps}. */
  public List<Long> pids(String id) {
    try (FileLock lock = dirs.lock()) {
      ContainerState s = dirs.read(id);
      return cgroupOf(s).map(Cgroup::pids).orElse(List.of());
    }
  }

  public void update(String id, OciConfig.Resources resources) {
    try (FileLock lock = dirs.lock()) {
      ContainerState s = dirs.read(id);
      if (status(s).equals("stopped")) {
        throw new OciException("container not running");
      }
      Cgroup cgroup =
          cgroupOf(s).orElseThrow(() -> new OciException("container " + id + " has no cgroup"));
      cgroup.apply(Resources.updates(resources));
      cgroup.tune(Resources.tuning(resources));
    }
  }

  /** Options of {@code exec}. */
  public record ExecOptions(boolean detach, boolean tty, Path pidFile, Path consoleSocket) {}

  /**
   * Runs a process in the container; returns its exit code (0 when detached). {@code what} is
   * resolved against the container's process, so an exec inherits its restrictions.
   */
  public int exec(String id, ExecProcess what, ExecOptions opts) {
    ContainerState s;
    Seccomp.Filter seccomp;
    OciConfig.Process process;
    try (FileLock lock = dirs.lock()) {
      s = dirs.read(id);
      String status = status(s);
      if (!status.equals("running") && !status.equals("created")) {
        throw new OciException("cannot exec in a " + status + " container");
      }
      OciConfig config = OciConfigReader.readBundle(Path.of(s.bundle()));
      process = what.resolve(config.process());
      seccomp = Seccomp.compile(config.linux() == null ? null : config.linux().seccomp());
    }
    ProcessPlan.validate(process);
    warnUnraisableAmbient(process);
    boolean tty = opts.tty() || Boolean.TRUE.equals(process.terminal());
    if (tty && opts.consoleSocket() == null && opts.detach()) {
      throw new OciException(
          "cannot allocate tty if jvs-oci will detach without setting console socket");
    }
    Set<Namespace> join = EnumSet.noneOf(Namespace.class);
    for (Namespace n : Namespace.values()) {
      if ((s.namespaces() & n.flag()) != 0) {
        join.add(n);
      }
    }
    Plan.Io io = !tty ? new Plan.Inherit()
        : opts.consoleSocket() != null ? new Plan.ConsoleSocket(opts.consoleSocket())
        : new Plan.Terminal();
    LaunchProgram program = PlanProgram.exec(new PlanProgram.Exec(s.pid(), join,
        ProcessPlan.spec(process, seccomp), io, opts.detach(), false));
    Path sock = dirs.socket(id);
    Optional<Cgroup> cgroup = cgroupOf(s);
    // The pid file is written before the go-ahead: a shim reaping a quick process must already
    // know its pid (containerd 1.6 waits forever for an exit it could not attribute).
    try (Launched launched = launcher.launch(program, sock, Launcher.Stdio.inherit(),
        (monitorPid, childPid) -> {
          cgroup.ifPresent(c -> c.addProcess(childPid));
          if (process.oomScoreAdj() != null) {
            // through the host's /proc: the container's own /proc is the container's to replace
            Files.writeString(Path.of("/proc", Long.toString(childPid), "oom_score_adj"),
                process.oomScoreAdj().toString());
          }
          writePidFile(opts.pidFile(), childPid);
        })) {
      return opts.detach() ? 0 : launched.awaitExit();
    } catch (LaunchException e) {
      deletePidFile(opts.pidFile());
      throw new OciException(describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OciException("interrupted");
    }
  }

  private void warnUnraisableAmbient(OciConfig.Process p) {
    List<String> dropped = ProcessPlan.unraisableAmbient(p);
    if (!dropped.isEmpty()) {
      warnings.accept("ambient capabilities " + String.join(", ", dropped)
          + " dropped: not in both the permitted and inheritable sets");
    }
  }

  /** created (waiting on the FIFO), running, paused or stopped: derived, never stored. */
  String status(ContainerState s) {
    OptionalLong now = ProcStat.startTime(s.pid());
    if (now.isEmpty() || now.getAsLong() != s.pidStartTime()) {
      return "stopped";
    }
    if (Files.exists(dirs.fifo(s.id()))) {
      return "created";
    }
    return Freezer.isFrozen(s) ? "paused" : "running";
  }

  public void pause(String id, boolean freeze) {
    try (FileLock lock = dirs.lock()) {
      ContainerState s = dirs.read(id);
      String status = status(s);
      if (freeze && !status.equals("running")) {
        throw new OciException("container not running");
      }
      if (!freeze && !status.equals("paused")) {
        throw new OciException("container not paused");
      }
      Freezer.set(s, freeze);
    }
  }

  /** A top-level cgroup (cgroupsPath "/name") has no parent of jvs's to remove. */
  private void removeParentIfEmpty(String parent) {
    if (!parent.isEmpty()) {
      cgroups.removeParentIfEmpty(parent);
    }
  }

  private Optional<Cgroup> cgroupOf(ContainerState s) {
    return cgroups.find(s.cgroupParent(), s.cgroupName());
  }

  private static OciConfig.Hooks hooks(OciConfig c) {
    return hooks(c.hooks());
  }

  private static OciConfig.Hooks hooks(ContainerState s) {
    return hooks(s.hooks());
  }

  private static OciConfig.Hooks hooks(OciConfig.Hooks h) {
    return h != null ? h : new OciConfig.Hooks(null, null, null, null, null, null);
  }

  static String stateJson(ContainerState s, String status) {
    try {
      return JSON.writeValueAsString(s.toOci(status));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * cgroupsPath "/a/b/c" or "a/b/c" → parent "a/b", name "c"; "/c" → parent "" (c directly below
   * the hierarchy roots: runtime-spec takes an absolute path relative to the cgroup mount);
   * "c" → jvs-oci/c; none → jvs-oci/ID.
   */
  static String[] cgroupPath(String id, String cgroupsPath) {
    if (cgroupsPath == null || cgroupsPath.isEmpty()) {
      return new String[] {DEFAULT_CGROUP_PARENT, id};
    }
    if (cgroupsPath.contains(":")) {
      throw new OciException("cgroupsPath " + cgroupsPath
          + ": systemd cgroup paths (slice:prefix:name) are not supported by jvs");
    }
    String p = cgroupsPath.replaceAll("^/+", "").replaceAll("/+$", "");
    int slash = p.lastIndexOf('/');
    if (slash <= 0) {
      return new String[] {cgroupsPath.startsWith("/") ? "" : DEFAULT_CGROUP_PARENT, p};
    }
    return new String[] {p.substring(0, slash), p.substring(slash + 1)};
  }
}
