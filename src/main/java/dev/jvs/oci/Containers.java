package dev.jvs.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.base.AtomicFiles;
import dev.jvs.base.JvsException;
import dev.jvs.kernel.FileLock;
import dev.jvs.kernel.Signal;
import dev.jvs.runtime.Checkpoints;
import dev.jvs.runtime.Instance;
import dev.jvs.runtime.InstanceState;
import dev.jvs.runtime.Instances;
import dev.jvs.runtime.LaunchFailure;
import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import dev.jvs.runtime.PlanProgram;
import dev.jvs.runtime.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The OCI front-end's runtime: runc's lifecycle (create, start, state, kill, delete) and its extras
 * (exec, ps, update, list, pause) as translations onto the runtime core ({@link Instances}), which
 * launches, places, signals and cleans up. Nothing here prints.
 */
public final class Containers {
  private static final String DEFAULT_CGROUP_PARENT = "jvs-oci";
  private static final ObjectMapper JSON = OciConfigReader.mapper();
  private static final int ETIMEDOUT = 110;
  private static final int ECANCELED = 125;

  private final StateDir dirs;
  private final Instances instances;
  private final Consumer<String> warnings;

  /**
   * The containers under {@code root}, run by {@code instances} (whose monitors the caller chose:
   * the warm service's clients fork them), with where warnings go (the front-end prints them to its
   * caller).
   */
  public Containers(Path root, Instances instances, Consumer<String> warnings) {
    this.dirs = new StateDir(root);
    this.instances = instances;
    this.warnings = warnings;
  }

  /**
   * The bundle of a container about to be made (create, restore): its absolute directory, its
   * config (read and checked) and the instance it becomes.
   */
  private record NewBundle(Path dir, OciConfig config, Instance instance) {}

  /**
   * Under the instance's lock: no container {@code id} exists yet, and the bundle's rootfs is a
   * directory, which it returns.
   */
  private Path checkUnused(String id, NewBundle b) {
    if (dirs.exists(id)) {
      throw new OciException("container with id exists: " + id);
    }
    Path rootfs = b.dir().resolve(b.config().root().path()).normalize();
    if (!Files.isDirectory(rootfs)) {
      throw new OciException("invalid rootfs: stat " + rootfs + ": no such file or directory");
    }
    return rootfs;
  }

  private NewBundle newBundle(String id, Path bundle) {
    StateDir.checkId(id);
    Path dir = bundle.toAbsolutePath().normalize();
    OciConfig config = OciConfigReader.readBundle(dir);
    OciValidator.check(config);
    String[] cg = cgroupPath(id, config.linux().cgroupsPath());
    return new NewBundle(dir, config, dirs.instance(id, cg[0], cg[1]));
  }

  /** Options of {@code create} besides the id and bundle. */
  public record CreateOptions(Path pidFile, Path consoleSocket, boolean noPivot) {}

  public void create(String id, Path bundle, CreateOptions opts) {
    NewBundle b = newBundle(id, bundle);
    Path absBundle = b.dir();
    OciConfig config = b.config();
    Instance i = b.instance();
    try (FileLock lock = instances.lock(i)) {
      Path rootfs = checkUnused(id, b);
      Executable.check(rootfs, config.process());
      warnUnraisableAmbient(config.process());
      boolean terminal = Boolean.TRUE.equals(config.process().terminal());
      if (terminal && opts.consoleSocket() == null) {
        throw new OciException(
            "cannot allocate tty if jvs-oci will detach without setting console socket");
      }
      if (!terminal && opts.consoleSocket() != null) {
        throw new OciException(
            "cannot use console socket if jvs-oci will not detach or allocate tty");
      }
      Plan.Namespaces ns = Namespaces.of(config.linux());
      OciValidator.checkNamespaces(config, ns);
      Plan plan =
          ContainerPlan.build(
              config,
              ns,
              Seccomp.compile(config.linux().seccomp()),
              new ContainerPlan.Where(
                  absBundle,
                  rootfs,
                  dirs.fifo(id),
                  opts.noPivot(),
                  terminal,
                  opts.consoleSocket()));
      try {
        dirs.saveConfig(id, absBundle.resolve(StateDir.CONFIG));
        Fifo.create(dirs.fifo(id));
        Map<String, String> labels =
            Map.of(
                ContainerState.BUNDLE,
                absBundle.toString(),
                ContainerState.ROOTFS,
                rootfs.toString(),
                ContainerState.CREATED,
                Instant.now().toString());
        try (Run run =
            instances.start(
                i,
                plan,
                Resources.limits(config.linux().resources(), config.linux().devices()),
                Resources.tuning(config.linux().resources()),
                labels,
                started -> {
                  // runtime-spec lifecycle: create's hooks run once the environment exists (after
                  // step 2), when the status is "created"
                  String json = stateJson(instances.state(i).orElseThrow(), "created", config);
                  if (ContainerPlan.needsHookState(config)) {
                    AtomicFiles.write(ContainerPlan.hookStateFile(dirs.fifo(id)), json);
                  }
                  Hooks.run("prestart", hooks(config).prestart(), json);
                  Hooks.run("createRuntime", hooks(config).createRuntime(), json);
                  writePidFile(opts.pidFile(), started.childPid());
                },
                bpfDir -> {})) {
          // the child waits on the FIFO: nothing more to do with its monitor
        }
      } catch (LaunchFailure e) {
        abandon(id, opts.pidFile());
        throw new OciException(describe(e), e);
      } catch (RuntimeException e) {
        abandon(id, opts.pidFile());
        throw e;
      }
    }
  }

  /** What a failed create leaves besides what the core cleaned: the pid file, the directory. */
  private void abandon(String id, Path pidFile) {
    deletePidFile(pidFile);
    dirs.remove(id);
  }

  public void start(String id) {
    InstanceState s;
    OciConfig config;
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      s = read(id);
      config = dirs.config(id);
      String status = status(s);
      switch (status) {
        case "created" -> {}
        case "stopped" -> throw new OciException("cannot start a container that has stopped");
        default -> throw new OciException("cannot start an already " + status + " container");
      }
      InstanceState created = s;
      Fifo.release(dirs.fifo(id), () -> instances.alive(created));
      try {
        Files.deleteIfExists(dirs.fifo(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Hooks.run("poststart", hooks(config).poststart(), stateJson(s, "running", config));
  }

  public ContainerState.Oci state(String id) {
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      InstanceState s = read(id);
      return ContainerState.of(s, status(s), dirs.config(id).annotations());
    }
  }

  /** Every container, each read under its own lock; one vanishing meanwhile is left out. */
  public List<ContainerState.Oci> list() {
    List<ContainerState.Oci> all = new ArrayList<>();
    for (String id : dirs.ids()) {
      try {
        all.add(state(id));
      } catch (OciException e) {
        // deleted concurrently, or corrupt: runc lists neither
      }
    }
    return all;
  }

  public void kill(String id, int signal, boolean all) {
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      InstanceState s = read(id);
      if (status(s).equals("stopped")) {
        throw new OciException("container not running");
      }
      if (all) {
        instances.signalAll(instance(s), signal);
      } else if (!instances.signal(s, signal)) {
        throw new OciException("container not running");
      }
    }
  }

  public void delete(String id, boolean force) {
    InstanceState s;
    OciConfig config;
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      if (!dirs.exists(id)) {
        if (force) {
          return;
        }
        throw new OciException("container does not exist");
      }
      Optional<InstanceState> read;
      try {
        read = instances.state(dirs.instance(id, "", ""));
        config = dirs.config(id);
      } catch (JvsException e) {
        read = Optional.empty();
        config = null;
      }
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
        instances.stop(s, Signal.SIGKILL, Duration.ZERO);
      }
      instances.cleanup(instance(s), bpfDir -> {});
      dirs.remove(id);
    }
    try {
      Hooks.run("poststop", hooks(config).poststop(), stateJson(s, "stopped", config));
    } catch (OciException e) {
      // runtime-spec: a failing poststop hook is logged and the deletion still succeeds
      warnings.accept(e.getMessage());
    }
  }

  /** The container's process ids (host pids), for {@code ps}. */
  public List<Long> pids(String id) {
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      return instances.pids(instance(read(id)));
    }
  }

  public void update(String id, OciConfig.Resources resources) {
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      InstanceState s = read(id);
      if (status(s).equals("stopped")) {
        throw new OciException("container not running");
      }
      try {
        instances.apply(instance(s), Resources.updates(resources), Resources.tuning(resources));
      } catch (JvsException e) {
        throw new OciException(e.getMessage(), e);
      }
    }
  }

  /** Options of {@code exec}. */
  public record ExecOptions(boolean detach, boolean tty, Path pidFile, Path consoleSocket) {}

  /**
   * Runs a process in the container; returns its exit code (0 when detached). {@code what} is
   * resolved against the container's process, so an exec inherits its restrictions.
   */
  public int exec(String id, ExecProcess what, ExecOptions opts) {
    InstanceState s;
    OciConfig config;
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      s = read(id);
      String status = status(s);
      if (!status.equals("running") && !status.equals("created")) {
        throw new OciException("cannot exec in a " + status + " container");
      }
      config = dirs.config(id);
    }
    OciConfig.Process process = what.resolve(config.process());
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
    Plan.Io io =
        !tty
            ? new Plan.Inherit()
            : opts.consoleSocket() != null
                ? new Plan.ConsoleSocket(opts.consoleSocket())
                : new Plan.Terminal();
    PlanProgram.Exec exec =
        new PlanProgram.Exec(
            s.initPid(),
            join,
            ProcessPlan.spec(process, Seccomp.compile(config.linux().seccomp())),
            io,
            opts.detach(),
            false);
    // The pid file is written before the go-ahead: a shim reaping a quick process must already
    // know its pid (containerd 1.6 waits forever for an exit it could not attribute).
    try (Run run =
        instances.exec(
            instance(s),
            exec,
            started -> {
              if (process.oomScoreAdj() != null) {
                // through the host's /proc: the container's own /proc is the container's to replace
                Files.writeString(
                    Path.of("/proc", Long.toString(started.childPid()), "oom_score_adj"),
                    process.oomScoreAdj().toString());
              }
              writePidFile(opts.pidFile(), started.childPid());
            })) {
      return opts.detach() ? 0 : run.awaitExit();
    } catch (LaunchFailure e) {
      deletePidFile(opts.pidFile());
      throw new OciException(describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OciException("interrupted");
    }
  }

  public void pause(String id, boolean freeze) {
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      InstanceState s = read(id);
      String status = status(s);
      if (freeze && !status.equals("running")) {
        throw new OciException("container not running");
      }
      if (!freeze && !status.equals("paused")) {
        throw new OciException("container not paused");
      }
      instances.setFrozen(instance(s), freeze);
    }
  }

  /**
   * runc's {@code checkpoint}: criu dumps the running container's processes into {@code imagePath}
   * (docs/checkpoint.md); unless {@code leaveRunning} they are gone afterwards, and the caller
   * deletes the container as after any exit. {@code criuOptions}: e.g. --file-locks.
   */
  public void checkpoint(
      String id, Path imagePath, boolean leaveRunning, List<String> criuOptions) {
    try (FileLock lock = instances.lock(dirs.instance(id, "", ""))) {
      InstanceState s = read(id);
      if (!status(s).equals("running")) {
        throw new OciException("container not running");
      }
      requireOwnNetwork(dirs.config(id));
      new Checkpoints(instances)
          .dump(instance(s), s, imagePath.toAbsolutePath(), leaveRunning, criuOptions);
    }
  }

  /**
   * runc's {@code restore --detach}: the container {@code id} of {@code bundle} comes back from
   * {@code imagePath} in a fresh cgroup, on its rootfs (which the caller mounted, as for create),
   * with this process's stdin, stdout and stderr as the dumped ones; criu leaves once it runs, so
   * the caller's subreaper (conmon, a shim) inherits it as it inherits a created container's init.
   */
  public void restore(
      String id, Path bundle, Path imagePath, Path pidFile, List<String> criuOptions) {
    NewBundle b = newBundle(id, bundle);
    Path absBundle = b.dir();
    OciConfig config = b.config();
    Instance i = b.instance();
    try (FileLock lock = instances.lock(i)) {
      Path rootfs = checkUnused(id, b);
      Path images = imagePath.toAbsolutePath();
      if (!Checkpoints.exists(images)) {
        throw new OciException("no checkpoint in " + images);
      }
      try {
        dirs.saveConfig(id, absBundle.resolve(StateDir.CONFIG));
        InstanceState s =
            new Checkpoints(instances)
                .restore(
                    i,
                    images,
                    Checkpoints.Root.existing(rootfs),
                    Resources.limits(config.linux().resources(), config.linux().devices()),
                    Resources.tuning(config.linux().resources()),
                    new Checkpoints.Mode(
                        Checkpoints.Output.callers(), Checkpoints.Network.NONE, true, criuOptions));
        writePidFile(pidFile, s.initPid());
      } catch (RuntimeException e) {
        abandon(id, pidFile);
        throw e;
      }
    }
  }

  /**
   * A network namespace given by path (Podman's netavark, a CNI plugin) holds a veth whose peer is
   * the host's: criu would dump it with the tree and could not recreate it, so the dump, which
   * kills the container, is refused before it starts.
   */
  private static void requireOwnNetwork(OciConfig config) {
    List<OciConfig.Namespace> namespaces = config.linux().namespaces();
    for (OciConfig.Namespace n : namespaces == null ? List.<OciConfig.Namespace>of() : namespaces) {
      if (n.type().equals("network") && n.path() != null && !n.path().isEmpty()) {
        throw new OciException(
            "checkpoint: the container's network namespace "
                + n.path()
                + " was made by its caller: jvs cannot restore it yet (docs/checkpoint.md)");
      }
    }
  }

  /** created (waiting on the FIFO), running, paused or stopped: derived, never stored. */
  String status(InstanceState s) {
    if (!instances.alive(s)) {
      return "stopped";
    }
    if (Files.exists(dirs.fifo(s.id()))) {
      return "created";
    }
    return instances.isFrozen(instance(s)) ? "paused" : "running";
  }

  /** The recorded state; "container does not exist" as runc says it, or the corruption found. */
  private InstanceState read(String id) {
    Optional<InstanceState> s;
    try {
      s = instances.state(dirs.instance(id, "", ""));
    } catch (JvsException e) {
      throw new OciException("container " + id + ": corrupt state: " + e.getMessage(), e);
    }
    if (s.isEmpty()) {
      if (dirs.exists(id)) {
        throw new OciException("container " + id + ": state.json is missing (corrupt state)");
      }
      throw new OciException("container does not exist");
    }
    return s.get();
  }

  /** The container with the cgroup its state records. */
  private Instance instance(InstanceState s) {
    return dirs.instance(s.id(), s.cgroupParent(), s.cgroupName());
  }

  private void warnUnraisableAmbient(OciConfig.Process p) {
    List<String> dropped = ProcessPlan.unraisableAmbient(p);
    if (!dropped.isEmpty()) {
      warnings.accept(
          "ambient capabilities "
              + String.join(", ", dropped)
              + " dropped: not in both the permitted and inheritable sets");
    }
  }

  private static String describe(LaunchFailure e) {
    String m = e.getMessage();
    if (e.errno() == ECANCELED || e.errno() == ETIMEDOUT) { // jvs-init's `hook` (launch-program.md)
      int cut = m.lastIndexOf(": ");
      m =
          m.substring(0, cut < 0 ? m.length() : cut)
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

  private static OciConfig.Hooks hooks(OciConfig c) {
    OciConfig.Hooks h = c == null ? null : c.hooks();
    return h != null ? h : new OciConfig.Hooks(null, null, null, null, null, null);
  }

  static String stateJson(InstanceState s, String status, OciConfig config) {
    try {
      return JSON.writeValueAsString(
          ContainerState.of(s, status, config == null ? null : config.annotations()));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * cgroupsPath "/a/b/c" or "a/b/c" → parent "a/b", name "c"; "/c" → parent "" (c directly below
   * the hierarchy roots: runtime-spec takes an absolute path relative to the cgroup mount); "c" →
   * jvs-oci/c; none → jvs-oci/ID.
   */
  static String[] cgroupPath(String id, String cgroupsPath) {
    if (cgroupsPath == null || cgroupsPath.isEmpty()) {
      return new String[] {DEFAULT_CGROUP_PARENT, id};
    }
    if (cgroupsPath.contains(":")) {
      throw new OciException(
          "cgroupsPath "
              + cgroupsPath
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
