package dev.jvs.guest;

import dev.jvs.base.AtomicFiles;
import dev.jvs.base.JvsException;
import dev.jvs.base.Trace;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupException;
import dev.jvs.guest.config.ConfigException;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.guest.config.GuestConfig;
import dev.jvs.guest.config.ResourceValidator;
import dev.jvs.guest.state.StateStore;
import dev.jvs.image.DiskImage;
import dev.jvs.image.DiskUsage;
import dev.jvs.image.ImageConfig;
import dev.jvs.image.Templates;
import dev.jvs.image.Trees;
import dev.jvs.kernel.FileLock;
import dev.jvs.kernel.KernelException;
import dev.jvs.launch.Launcher;
import dev.jvs.launch.Monitor;
import dev.jvs.limits.CgroupTuning;
import dev.jvs.net.GuestNetwork;
import dev.jvs.runtime.Checkpoints;
import dev.jvs.runtime.InstanceState;
import dev.jvs.runtime.Instances;
import dev.jvs.runtime.LaunchFailure;
import dev.jvs.runtime.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The runtime API every front-end calls: build, start, stop, exec, delete, list, status, set, gc.
 * Each operation on a guest holds that guest's lock, so the CLI, a daemon and OCI calls never race;
 * state is derived from the kernel (is the monitor alive?) and reconciled on every look, so a
 * killed CLI or monitor leaves nothing that the next command or gc does not remove.
 */
public final class Guests {
  private final JvsDirs dirs;
  private final Templates templates;
  private final StateStore store = new StateStore();
  private final Instances instances;
  private final GuestFiles files;
  private final GuestRuns runs;
  private final GuestLaunch launch;
  private final GuestNetwork network;
  private final GuestScripts scripts;
  private final GuestCheckpoints checkpoints;
  private final IdRanges idRanges;

  public Guests(JvsDirs dirs, Path initBinary, CgroupDriver cgroups, byte[] seccompFilter) {
    this(dirs, Monitor.Starter.process(initBinary), cgroups, seccompFilter);
  }

  /** With monitors of the caller's choosing (a service's client forks those of foreground runs). */
  public Guests(
      JvsDirs dirs, Monitor.Starter monitors, CgroupDriver cgroups, byte[] seccompFilter) {
    this.dirs = dirs;
    this.templates = new Templates(dirs.templates());
    this.network = GuestNetwork.forRoot(dirs.root(), dirs.run());
    this.files = new GuestFiles(dirs, new ConfigFile(ResourceValidator.forThisHost()));
    this.instances = new Instances(cgroups, monitors);
    this.runs = new GuestRuns(dirs, instances, network);
    this.scripts = new GuestScripts(dirs);
    this.idRanges = new IdRanges(dirs.root());
    this.launch =
        new GuestLaunch(
            dirs,
            instances,
            new GuestPlans(
                seccompFilter, LxcfsView.mountPoint(dirs.run()), HostLimits.sharedQuotas()),
            templates,
            network,
            runs,
            scripts,
            idRanges);
    this.checkpoints = new GuestCheckpoints(dirs, templates, instances, runs, network, idRanges);
  }

  public JvsDirs dirs() {
    return dirs;
  }

  // ---- build / delete / set -------------------------------------------------------------

  /** Creates a guest from a template (the built-in busybox one by default). */
  public void build(GuestName name, String template) {
    named(
        name,
        () -> {
          templates.ensure(template);
          // The store's lock: `template rm` cannot remove the template while this guest appears.
          try (FileLock lock = lock(name);
              FileLock store = templates.lock()) {
            Path dir = dirs.guest(name);
            if (Files.exists(dir)) {
              throw new JvsException(name + ": already exists");
            }
            templates.existing(template);
            Path staging = dirs.guests().resolve("." + name + ".build");
            Trees.deleteIfExists(staging);
            try {
              Files.createDirectories(staging);
              for (String sub : List.of("upper", "work", "rootfs")) {
                Files.createDirectory(staging.resolve(sub));
              }
              files
                  .configFile()
                  .create(
                      staging.resolve(ConfigFile.FILE_NAME),
                      GuestConfig.defaults(name.value(), template));
              Files.move(staging, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
              Trees.deleteIfExists(staging);
              throw new UncheckedIOException(name + ": " + e.getMessage(), e);
            }
          }
          return null;
        });
  }

  /** Removes a stopped guest and its private files; {@code force} stops it first. */
  public void delete(GuestName name, boolean force) {
    named(
        name,
        () -> {
          try (FileLock lock = lock(name)) {
            requireExists(name);
            if (reconcile(name).isPresent()) {
              if (!force) {
                throw new JvsException(name + ": is running (stop it first, or delete --force)");
              }
              stopLocked(name, Duration.ZERO);
            }
            Trees.deleteIfExists(dirs.guest(name));
            Trees.deleteIfExists(dirs.runGuest(name));
            idRanges.release(name); // after its files: the next owner never sees them
          }
          return null;
        });
  }

  /**
   * Validates and stores resource and config keys; a running guest gets new cgroup limits at once.
   * A bad key or value changes nothing.
   */
  public GuestConfig set(GuestName name, Map<String, String> changes) {
    return named(
        name,
        () -> {
          try (FileLock lock = lock(name)) {
            requireExists(name);
            for (Map.Entry<String, String> e : changes.entrySet()) {
              try {
                files.configFile().validate(e.getKey(), e.getValue());
              } catch (IllegalArgumentException ex) {
                throw new ConfigException(name + ": " + e.getKey() + ": " + ex.getMessage());
              }
            }
            if (changes.containsKey("cpu.reserve")) {
              checkReservations(name, changes.get("cpu.reserve"));
            }
            String before = readConfigText(name);
            GuestConfig updated;
            try {
              updated = files.configFile().update(configPath(name), name.value(), changes);
            } catch (IllegalArgumentException e) {
              throw new ConfigException(name + ": " + e.getMessage());
            }
            Optional<InstanceState> running = reconcile(name);
            if (running.isPresent()) {
              try {
                applyLive(
                    name,
                    running.get(),
                    liveLimits(name, updated, changes),
                    updated.resources(),
                    changes.keySet());
              } catch (RuntimeException refused) {
                // the kernel said no (EBUSY, a missing controller): keep the old file and limits
                AtomicFiles.write(configPath(name), before);
                try {
                  Map<String, String> old = files.config(name).resources();
                  applyLive(
                      name,
                      running.get(),
                      CpuView.narrowed(name, old, GuestResources.limits(old)),
                      old,
                      changes.keySet());
                } catch (RuntimeException again) {
                  refused.addSuppressed(again);
                }
                throw refused;
              }
            }
            return updated;
          }
        });
  }

  /** Guests built on {@code template} (whose overlay needs it as lower layer). */
  public List<String> templateUsers(String template) {
    List<String> users = new ArrayList<>();
    for (GuestName g : names()) {
      try {
        if (files.config(g).template().equals(template)) {
          users.add(g.value());
        }
      } catch (RuntimeException e) {
        users.add(g.value() + " (unreadable guest.conf)"); // err on the side of keeping it
      }
    }
    return users;
  }

  /** Copies a stopped guest: config, private layer (or disk image); a new hostname. */
  public void clone(GuestName source, GuestName target) {
    boolean ordered = source.value().compareTo(target.value()) < 0; // one lock order: no deadlock
    try (FileLock a = lock(ordered ? source : target);
        FileLock b = lock(ordered ? target : source);
        FileLock store = templates.lock()) {
      requireExists(source);
      if (Files.exists(dirs.guest(target))) {
        throw new JvsException(target + ": already exists");
      }
      if (reconcile(source).isPresent()) {
        throw new JvsException(source + ": is running (stop it before cloning)");
      }
      GuestConfig config = files.config(source);
      Path staging = dirs.guests().resolve("." + target + ".build");
      Trees.deleteIfExists(staging);
      try {
        dev.jvs.image.GuestCopy.copy(dirs.guest(source), staging);
        // The source's mode, written out: a source from before the key existed is privileged,
        // and its clone must not become unprivileged by a later change of what no key means.
        Map<String, String> changes = new java.util.LinkedHashMap<>();
        changes.put("security.privileged", Boolean.toString(config.privileged()));
        if (config.hostname().equals(source.value())) {
          changes.put("hostname", target.value());
        }
        files.configFile().update(staging.resolve(ConfigFile.FILE_NAME), target.value(), changes);
        Optional<IdRange> ids = config.privileged() ? Optional.empty() : idRanges.find(source);
        if (ids.isPresent()) { // the clone's files become its own range's
          IdShift.shift(staging.resolve("upper"), ids.get(), idRanges.acquire(target));
        }
        Files.move(staging, dirs.guest(target), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        Trees.deleteIfExists(staging);
        idRanges.release(target);
        if (e instanceof JvsException j) {
          throw j;
        }
        throw new JvsException(target + ": " + e.getMessage(), e);
      }
    }
  }

  /** Used and total bytes of a running guest's disk.space filesystem. */
  public Optional<DiskUsage> diskUsage(GuestName name) {
    return named(
        name,
        () -> {
          try (FileLock lock = lock(name)) {
            requireExists(name);
            if (!Files.exists(DiskImage.file(dirs.guest(name)))) {
              return Optional.empty();
            }
            // statfs of an overlay reports its upper filesystem: the guest's image.
            return reconcile(name)
                .map(
                    s -> {
                      java.io.File root = new java.io.File("/proc/" + s.initPid() + "/root/");
                      return new DiskUsage(
                          root.getTotalSpace() - root.getFreeSpace(), root.getTotalSpace());
                    });
          }
        });
  }

  public GuestConfig config(GuestName name) {
    requireExists(name);
    return files.config(name);
  }

  /**
   * An unprivileged guest's id range (empty for a privileged guest, or before the first start of a
   * guest switched to unprivileged: it gets one then).
   */
  public Optional<IdRange> idRange(GuestName name) {
    return config(name).privileged() ? Optional.empty() : idRanges.find(name);
  }

  /**
   * The host ids the running guest's user namespace maps (what a checkpoint of it records, whatever
   * its config says now); empty when it runs as host root or is not running.
   */
  public Optional<IdRange> runningIdRange(GuestName name) {
    long init = status(name).initPid();
    return init == 0 ? Optional.empty() : GuestCheckpoints.runningIds(name, init);
  }

  /**
   * Refuses in one line, before anything moves, a guest that ran with host ids {@code ids}
   * elsewhere and could not have them here (criu restores its user namespace with that map).
   */
  public void requireIdRangeFree(GuestName name, IdRange ids) {
    idRanges.requireClaimable(name, ids);
  }

  // ---- start / stop / exec ---------------------------------------------------------------

  /** How a started guest's first process relates to the caller. */
  public enum Attach {
    /** Runs on its own; output to console.log. */
    DETACHED,
    /** Shares the caller's stdio; start returns when it exits, with its exit code. */
    FOREGROUND
  }

  /**
   * Starts a guest. With an empty {@code command} it is a system guest running its configured init;
   * otherwise an application guest running {@code command}. Returns the exit code of a foreground
   * application guest, else 0.
   */
  public int start(GuestName name, List<String> command, Attach attach) {
    return start(name, command, attach, Launcher.Stdio.inherit());
  }

  /** As {@link #start(GuestName, List, Attach)}, with the foreground guest's stdio given. */
  public int start(GuestName name, List<String> command, Attach attach, Launcher.Stdio stdio) {
    return named(
        name,
        () -> {
          boolean application = !command.isEmpty();
          Run launched;
          try (FileLock lock = lock(name)) {
            requireExists(name);
            GuestConfig config = files.config(name);
            if (reconcile(name).isPresent()) {
              throw new JvsException(name + ": already running");
            }
            // An imported OCI image brings its command, env, cwd and user
            // (templates/NAME/config.json).
            ImageConfig image = templates.imageConfig(config.template()).orElse(ImageConfig.NONE);
            boolean app = application || image.hasCommand();
            List<String> argv = app ? image.command(command) : config.init();
            Trace.mark("lock, guest.conf, state, template");
            // prepre-start: before anything of the run exists; its failure leaves nothing to undo
            Optional<String> refused =
                scripts.run(name, GuestScripts.Event.PREPRE_START, config, OptionalLong.empty());
            if (refused.isPresent()) {
              throw new JvsException(name + ": " + refused.get());
            }
            launched =
                launch.start(name, config, argv, app, attach == Attach.DETACHED, stdio, image);
            // a failing post-start is in the guest's log; the guest runs on
            scripts.run(
                name, GuestScripts.Event.POST_START, config, OptionalLong.of(launched.childPid()));
          }
          if (attach == Attach.DETACHED) {
            launched.close();
            return 0;
          }
          try (launched) {
            int code = launched.awaitExit();
            Trace.mark("program ran");
            try (FileLock lock = lock(name)) {
              reconcile(name);
            }
            return code;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JvsException(name + ": interrupted while waiting for the guest");
          }
        });
  }

  /** Stops a guest: its stop signal, then SIGKILL to everything in it after the timeout. */
  public void stop(GuestName name, Duration timeout) {
    named(
        name,
        () -> {
          try (FileLock lock = lock(name)) {
            requireExists(name);
            if (reconcile(name).isEmpty()) {
              throw new JvsException(name + ": not running");
            }
            stopLocked(name, timeout);
          }
          return null;
        });
  }

  /** The configured stop timeout of a guest. */
  public Duration stopTimeout(GuestName name) {
    return config(name).stopTimeout();
  }

  /**
   * Stops a running guest with its pre-, post- and postpost-stop scripts around (failures logged).
   */
  private void stopLocked(GuestName name, Duration timeout) {
    GuestConfig config = files.config(name);
    OptionalLong init =
        instances
            .state(runs.instance(name))
            .map(s -> OptionalLong.of(s.initPid()))
            .orElse(OptionalLong.empty());
    scripts.run(name, GuestScripts.Event.PRE_STOP, config, init);
    init.ifPresent(pid -> store.markStopping(dirs.runGuest(name), pid));
    runs.stop(
        name,
        config,
        timeout,
        () -> scripts.run(name, GuestScripts.Event.POST_STOP, config, OptionalLong.empty()));
    scripts.run(name, GuestScripts.Event.POSTPOST_STOP, config, OptionalLong.empty());
  }

  /**
   * Runs {@code argv} inside a running guest and returns its exit code; with {@code tty} on a fresh
   * pseudo-terminal from the guest's own devpts.
   */
  public int exec(GuestName name, List<String> argv, boolean tty) {
    return exec(name, argv, tty, Launcher.Stdio.inherit());
  }

  /** As {@link #exec(GuestName, List, boolean)}, with the command's stdio given. */
  public int exec(GuestName name, List<String> argv, boolean tty, Launcher.Stdio stdio) {
    return exec(name, argv, tty, stdio, monitor -> {});
  }

  /**
   * As above; {@code started} learns the pid of the exec's monitor once the command runs (a
   * terminal's signals are the caller's to pass on: the monitor is the guest monitor's child).
   */
  public int exec(
      GuestName name,
      List<String> argv,
      boolean tty,
      Launcher.Stdio stdio,
      java.util.function.LongConsumer started) {
    return exec(name, argv, tty, "xterm", stdio, started);
  }

  /** As above, with the caller's TERM for the command's terminal (the service has none). */
  public int exec(
      GuestName name,
      List<String> argv,
      boolean tty,
      String term,
      Launcher.Stdio stdio,
      java.util.function.LongConsumer started) {
    return named(
        name,
        () -> {
          InstanceState state;
          GuestConfig config;
          try (FileLock lock = lock(name)) {
            requireExists(name);
            config = files.config(name);
            state = reconcile(name).orElseThrow(() -> new JvsException(name + ": not running"));
          }
          try (Run launched = launch.exec(name, config, state.initPid(), argv, tty, term, stdio)) {
            started.accept(launched.monitorPid());
            return launched.awaitExit();
          } catch (LaunchFailure e) {
            if (!instances.alive(state)) { // stopped between the state's read and the exec
              throw new JvsException(name + ": not running (it stopped meanwhile)", e);
            }
            throw new JvsException(name + ": " + e.getMessage(), e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JvsException(name + ": interrupted");
          }
        });
  }

  // ---- checkpoint / restore ---------------------------------------------------------------

  /**
   * Checkpoints a running guest through criu into $JVS_ROOT/guests/NAME/checkpoint, and into {@code
   * archive} (a tar; .tar.zst compressed) when given. Unless {@code leaveRunning}, the guest is
   * stopped by it.
   */
  public void checkpoint(GuestName name, boolean leaveRunning, Optional<Path> archive) {
    named(
        name,
        () -> {
          try (FileLock lock = lock(name)) {
            requireExists(name);
            InstanceState state =
                reconcile(name).orElseThrow(() -> new JvsException(name + ": not running"));
            checkpoints.checkpoint(name, files.config(name), state, leaveRunning, archive);
          }
          return null;
        });
  }

  /**
   * Post-copy (docs/migration.md): dumps the running guest without its memory and hands it over to
   * {@code handoff}; returns once its memory was fetched elsewhere and the guest is stopped here.
   * On failure the guest runs here on.
   */
  public void checkpointLazily(GuestName name, Checkpoints.Handoff handoff) {
    named(
        name,
        () -> {
          try (FileLock lock = lock(name)) {
            requireExists(name);
            InstanceState state =
                reconcile(name).orElseThrow(() -> new JvsException(name + ": not running"));
            checkpoints.checkpointLazily(name, files.config(name), state, handoff);
          }
          return null;
        });
  }

  /** Restores a stopped guest from its last checkpoint, or from {@code archive}. */
  public void restore(GuestName name, Optional<Path> archive) {
    restore(name, archive, Optional.empty());
  }

  /**
   * As above; with {@code lazyPages} a post-copy restore, the memory fetched from the source's page
   * server at that address while the guest runs.
   */
  public void restore(
      GuestName name, Optional<Path> archive, Optional<InetSocketAddress> lazyPages) {
    named(
        name,
        () -> {
          try (FileLock lock = lock(name)) {
            requireExists(name);
            if (reconcile(name).isPresent()) {
              throw new JvsException(name + ": already running");
            }
            return checkpoints.restore(name, files.config(name), archive, lazyPages);
          }
        });
  }

  // ---- list / status / gc ----------------------------------------------------------------

  /** Every guest's state, without cgroup usage (what `jvs list` shows; a read per guest less). */
  public List<GuestStatus> list() {
    return list(false);
  }

  /** Every guest's state with its cgroup usage, as {@link #status} has it. */
  public List<GuestStatus> listWithUsage() {
    return list(true);
  }

  /**
   * Guests are read side by side (each is a few small files and a /proc read, ~0.2 ms; reads take
   * no lock), in name order; one deleted meanwhile is left out.
   */
  private List<GuestStatus> list(boolean withUsage) {
    return names().parallelStream()
        .map(
            name -> {
              try {
                return Optional.of(status(name, withUsage));
              } catch (JvsException e) {
                return Optional.<GuestStatus>empty(); // deleted concurrently
              }
            })
        .flatMap(Optional::stream)
        .toList();
  }

  public GuestStatus status(GuestName name) {
    return status(name, true);
  }

  /**
   * The running guests, in name order, from their state files alone: what `jvs stat` and `jvs top`
   * start from. Side by side as {@link #list()}; a guest whose monitor died is cleaned up under its
   * lock (as {@link #status} does) and left out.
   */
  public List<RunningGuest> running() {
    return names().parallelStream().map(this::running).flatMap(Optional::stream).toList();
  }

  private Optional<RunningGuest> running(GuestName name) {
    try {
      return named(
          name,
          () -> {
            Optional<InstanceState> state = instances.state(runs.instance(name));
            if (state.isPresent() && !instances.alive(state.get())) {
              try (FileLock lock = lock(name)) {
                requireExists(name);
                state = reconcile(name);
              }
            }
            return state.map(
                s ->
                    new RunningGuest(
                        name.value(),
                        s.initPid(),
                        Duration.ofMillis(System.currentTimeMillis() - s.startedAtMillis()),
                        s.cgroupPath()));
          });
    } catch (JvsException e) {
      return Optional.empty(); // deleted concurrently
    }
  }

  /**
   * Reads need no lock: guest.conf and state.json are replaced whole (by rename), so a read sees
   * one version or the other. Only a run whose monitor died takes the lock, to be cleaned up.
   */
  private GuestStatus status(GuestName name, boolean withUsage) {
    return named(
        name,
        () -> {
          GuestConfig config = files.existingConfig(name);
          Optional<InstanceState> state = instances.state(runs.instance(name));
          if (state.isEmpty() || instances.alive(state.get())) {
            return describe(name, config, state, withUsage);
          }
          try (FileLock lock = lock(name)) {
            requireExists(name);
            return describe(name, files.config(name), reconcile(name), withUsage);
          }
        });
  }

  private GuestStatus describe(
      GuestName name, GuestConfig config, Optional<InstanceState> state, boolean withUsage) {
    if (state.isEmpty()) {
      return new GuestStatus(
          name.value(),
          GuestStatus.State.STOPPED,
          0,
          Duration.ZERO,
          "",
          config.resources(),
          null,
          store.exitStatus(dirs.runGuest(name)).orElse(null));
    }
    InstanceState s = state.get();
    return new GuestStatus(
        name.value(),
        GuestStatus.State.RUNNING,
        s.initPid(),
        Duration.ofMillis(System.currentTimeMillis() - s.startedAtMillis()),
        s.cgroupPath(),
        config.resources(),
        withUsage ? instances.usage(runs.instance(name)).orElse(null) : null,
        null);
  }

  /** What gc removed, one line per object. */
  public List<String> gc() {
    List<String> removed = new ArrayList<>();
    for (GuestName name : files.runNames()) {
      try (FileLock lock = lock(name)) {
        if (instances.state(runs.instance(name)).isPresent() && reconcile(name).isEmpty()) {
          removed.add("state of stopped guest " + name);
        }
      } catch (JvsException e) {
        // a corrupt state file: remove it and whatever it described
        store.delete(dirs.runGuest(name));
        runs.cleanup(name);
        removed.add("corrupt state of " + name);
      }
    }
    for (String child : instances.cgroupChildren(dirs.cgroupParent())) {
      GuestName name = GuestName.of(child);
      try (FileLock lock = lock(name)) {
        if (reconcile(name).isEmpty() && instances.cgroup(runs.instance(name)).isPresent()) {
          runs.cleanup(name); // left by a killed process: no state said it was there
          removed.add("cgroup " + runs.instance(name).cgroupPath());
        }
      }
    }
    instances.removeParentIfEmpty(dirs.cgroupParent());
    removed.addAll(removeStaleSockets());
    removed.addAll(network.gc());
    return removed;
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * Runs an operation on one guest; a failure of a layer below (a system call, a cgroup file, an
   * I/O error) reaches the user as one line naming the guest: "web1: what: why".
   */
  private static <T> T named(GuestName name, java.util.function.Supplier<T> op) {
    try {
      return op.get();
    } catch (KernelException | CgroupException | UncheckedIOException e) {
      String m =
          e instanceof UncheckedIOException u
                  && u.getCause() != null
                  && !u.getMessage().startsWith(name + ":")
              ? u.getCause().getMessage()
              : e.getMessage();
      throw new JvsException(m.startsWith(name + ":") ? m : name + ": " + m, e);
    }
  }

  private Optional<InstanceState> reconcile(GuestName name) {
    return runs.reconcile(name);
  }

  /**
   * A running guest's new limits: its cgroup's, and when {@code changed} keys include pids.max, an
   * unprivileged guest's processes' RLIMIT_NPROC ({@link ProcessCap}).
   */
  private void applyLive(
      GuestName name,
      InstanceState state,
      dev.jvs.limits.CgroupLimits limits,
      Map<String, String> resources,
      Set<String> changed) {
    instances.apply(runs.instance(name), limits, CgroupTuning.none());
    if (changed.contains("pids.max") && GuestOwnership.ownUserNamespace(state.initPid())) {
      ProcessCap.applyLive(() -> instances.pids(runs.instance(name)), resources);
    }
  }

  /** A running guest's limits after `jvs set`: a removed cpu.limit gives back every CPU. */
  private static dev.jvs.limits.CgroupLimits liveLimits(
      GuestName name, GuestConfig updated, Map<String, String> changes) {
    Map<String, String> r = updated.resources();
    dev.jvs.limits.CgroupLimits limits = CpuView.narrowed(name, r, GuestResources.limits(r));
    boolean cpusChanged = changes.containsKey("cpu.limit") || changes.containsKey("cpu.cpus");
    if (cpusChanged && !r.containsKey("cpu.limit") && !r.containsKey("cpu.cpus")) {
      limits = limits.withCpuCpus(CpuView.all());
    }
    return limits;
  }

  /** Reservations are promises: their sum over all guests must fit the host's CPUs. */
  private void checkReservations(GuestName name, String value) {
    int capacity = 100 * java.lang.Runtime.getRuntime().availableProcessors();
    int total = dev.jvs.guest.config.Values.percent(value, 0, Integer.MAX_VALUE);
    for (GuestName other : names()) {
      if (!other.equals(name)) {
        try {
          String r = files.config(other).resources().get("cpu.reserve");
          total += r == null ? 0 : dev.jvs.guest.config.Values.percent(r, 0, Integer.MAX_VALUE);
        } catch (RuntimeException e) {
          // a guest deleted or broken meanwhile reserves nothing
        }
      }
    }
    if (total > capacity) {
      throw new ConfigException(
          name
              + ": cpu.reserve: "
              + value
              + " would bring all guests' "
              + "reservations to "
              + total
              + "%, above this host's capacity of "
              + capacity
              + "%");
    }
  }

  private FileLock lock(GuestName name) {
    return instances.lock(runs.instance(name));
  }

  private void requireExists(GuestName name) {
    files.requireExists(name);
  }

  private Path configPath(GuestName name) {
    return files.configPath(name);
  }

  private String readConfigText(GuestName name) {
    try {
      return Files.readString(configPath(name));
    } catch (IOException e) {
      throw new UncheckedIOException(configPath(name) + ": " + e.getMessage(), e);
    }
  }

  private List<GuestName> names() {
    return files.names();
  }

  /** Control sockets of launches whose CLI was killed before jvs-init connected. */
  private List<String> removeStaleSockets() {
    List<String> removed = new ArrayList<>();
    if (!Files.isDirectory(dirs.run())) {
      return removed;
    }
    long cutoff = System.currentTimeMillis() - Duration.ofMinutes(1).toMillis();
    try (Stream<Path> s = Files.list(dirs.run())) {
      for (Path p : s.filter(p -> p.getFileName().toString().matches("ctl-.*\\.sock")).toList()) {
        if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
          Files.deleteIfExists(p);
          removed.add("socket " + p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return removed;
  }
}
