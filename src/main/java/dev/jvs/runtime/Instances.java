package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import dev.jvs.base.Trace;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupException;
import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.kernel.FileLock;
import dev.jvs.kernel.Pidfd;
import dev.jvs.kernel.ProcStat;
import dev.jvs.kernel.Signal;
import dev.jvs.kernel.SignalHandlers;
import dev.jvs.launch.LaunchException;
import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Launcher;
import dev.jvs.launch.Monitor;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The runtime core: the lifecycle of guests and containers alike — launch through jvs-init, cgroup
 * placement and limits, state, liveness, signals and stop, exec, cleanup, locks. The front-ends
 * (jvs's guests, jvs-oci's containers) decide what to launch ({@link Plan}), where it lives ({@link
 * Instance}) and when to clean up; everything here exists once.
 */
public final class Instances {
  /** Where a supervised instance's monitor serves execs (docs/launch-program.md). */
  public static final String EXEC_SOCKET = "exec.sock";

  private static final Duration MONITOR_EXIT_TIMEOUT = Duration.ofSeconds(10);

  /** How long a command waits for an instance's lock (-Djvs.lock.timeout, seconds). */
  static final Duration LOCK_TIMEOUT = Duration.ofSeconds(Long.getLong("jvs.lock.timeout", 60));

  /**
   * How long a stop waits for init to be able to receive its stop signal before sending it anyway:
   * an init may never show it (it ignores the signal, or /proc hides its wait channel), and the
   * rest of the timeout is its time to exit.
   */
  private static final Duration READY_GRACE = Duration.ofSeconds(2);

  /** Virtual threads that make a starting instance's cgroup beside its launch. */
  private static final ExecutorService CGROUP_MAKERS =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("jvs-cgroup-", 0).factory());

  private final CgroupDriver cgroups;
  private final Monitor.Starter monitors;

  private final StateCache states = new StateCache();

  /** With jvs-init monitors that {@code monitors} starts (child processes, or a client's). */
  public Instances(CgroupDriver cgroups, Monitor.Starter monitors) {
    this.cgroups = cgroups;
    this.monitors = monitors;
  }

  /** What a launch knows once the child exists, before its go-ahead. */
  public record Started(long monitorPid, long childPid, Optional<Path> bpfDir) {}

  /** Front-end work between the child's creation and its go-ahead (networking, hooks). */
  @FunctionalInterface
  public interface Preparation {
    void prepare(Started started) throws Exception;
  }

  /** Front-end teardown done while the cgroup still exists (its socket hooks, for one). */
  @FunctionalInterface
  public interface Teardown {
    void teardown(Optional<Path> bpfDir);
  }

  // ---- locks and state ---------------------------------------------------------------------

  /**
   * The instance's lock; every operation on one instance holds it. Commands on one instance queue
   * for it; one that waited {@link #LOCK_TIMEOUT} is refused with one line rather than hanging
   * behind a stuck holder. The lock file goes with the instance: released while no state directory
   * exists, it is removed.
   */
  public FileLock lock(Instance i) {
    try {
      Files.createDirectories(i.lockFile().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(i.id() + ": " + e.getMessage(), e);
    }
    return FileLock.acquire(i.lockFile(), LOCK_TIMEOUT)
        .orElseThrow(
            () ->
                new JvsException(
                    i.id()
                        + ": busy: another jvs command has held its lock for "
                        + LOCK_TIMEOUT.toSeconds()
                        + " s; try again"))
        .removeOnCloseIf(() -> !Files.exists(i.stateDir()));
  }

  /** The recorded state, empty when there is none; a corrupt file is an error naming it. */
  public Optional<InstanceState> state(Instance i) {
    return states.read(i.stateDir());
  }

  /**
   * Whether the instance still runs: a supervised one while its monitor lives (its process dies
   * with it), a released one while its first process does.
   */
  public boolean alive(InstanceState s) {
    return s.supervised()
        ? ProcStat.isSame(s.monitorPid(), s.monitorStartTime())
        : ProcStat.isSame(s.initPid(), s.initStartTime());
  }

  // ---- launch and exec ---------------------------------------------------------------------

  /**
   * Launches {@code plan}'s first process in a fresh cgroup with {@code limits} and {@code tuning},
   * records its state (with {@code labels}), lets {@code prepare} do the front-end's part, then
   * says go. On failure nothing of it is left (the front-end's {@code teardown} included) and the
   * LaunchFailure names what failed.
   */
  public Run start(
      Instance i,
      Plan plan,
      CgroupLimits limits,
      CgroupTuning tuning,
      Launcher.Stdio stdio,
      Map<String, String> labels,
      Preparation prepare,
      Teardown teardown)
      throws LaunchFailure {
    LaunchProgram program = PlanProgram.start(plan);
    Trace.mark("launch program");
    if (!plan.namespaces().has(Namespace.MOUNT)) {
      HostMounts.record(i.stateDir(), plan.root().mountPoint()); // they will land on the host
    }
    // The cgroup is made while jvs-init starts and clones the child: independent kernel work
    // (1.5-5 ms each on a v1 host, ten hierarchies), so a start pays for the longer one only.
    CompletableFuture<Cgroup> made =
        CompletableFuture.supplyAsync(() -> cgroupWith(i, limits, tuning), CGROUP_MAKERS);
    long namespaces =
        Namespace.flags(plan.namespaces().create())
            | Namespace.flags(plan.namespaces().join().keySet());
    boolean supervised = plan.supervision() instanceof Plan.Monitored;
    try {
      return launch(
          monitors,
          program,
          controlSocket(i),
          stdio,
          (monitorPid, childPid) -> {
            Cgroup cgroup = made.join();
            Trace.mark("cgroup ready (made beside the launch)");
            cgroup.addProcess(childPid);
            Trace.mark("child placed in cgroup");
            StateFile.write(
                i.stateDir(),
                new InstanceState(
                    i.id(),
                    supervised ? monitorPid : 0,
                    supervised ? startTime(monitorPid) : 0,
                    childPid,
                    startTime(childPid),
                    System.currentTimeMillis(),
                    i.cgroupParent(),
                    i.cgroupName(),
                    namespaces,
                    labels));
            Trace.mark("state written");
            prepare.prepare(new Started(monitorPid, childPid, cgroup.bpfDir()));
            Trace.mark("front-end prepared (network)");
          });
    } catch (LaunchFailure | RuntimeException e) {
      Cgroup cgroup;
      try {
        cgroup = made.join();
      } catch (CompletionException failed) {
        // the cgroup's own failure is the one to report, as it was when made first
        cleanup(i, null, teardown);
        throw failed.getCause() instanceof RuntimeException r ? r : failed;
      }
      cleanup(i, cgroup, teardown);
      throw e;
    }
  }

  /** As {@link #cgroupWith}, made on a thread of its own while the caller goes on. */
  CompletableFuture<Cgroup> cgroupWithSoon(Instance i, CgroupLimits limits, CgroupTuning tuning) {
    return CompletableFuture.supplyAsync(() -> cgroupWith(i, limits, tuning), CGROUP_MAKERS);
  }

  /** A fresh cgroup with the limits applied; none is left when applying them fails. */
  Cgroup cgroupWith(Instance i, CgroupLimits limits, CgroupTuning tuning) {
    Cgroup cgroup = cgroups.create(i.cgroupParent(), i.cgroupName());
    try {
      cgroup.apply(limits);
      cgroup.tune(tuning);
      return cgroup;
    } catch (RuntimeException e) {
      cgroup.destroy();
      throw e;
    }
  }

  /**
   * As {@link #start(Instance, Plan, CgroupLimits, CgroupTuning, Launcher.Stdio, Map, Preparation,
   * Teardown)}, on this process's stdin, stdout and stderr (an OCI caller's).
   */
  public Run start(
      Instance i,
      Plan plan,
      CgroupLimits limits,
      CgroupTuning tuning,
      Map<String, String> labels,
      Preparation prepare,
      Teardown teardown)
      throws LaunchFailure {
    return start(i, plan, limits, tuning, Launcher.Stdio.inherit(), labels, prepare, teardown);
  }

  /**
   * Runs {@code exec} in the running instance, in its cgroup: forked by the instance's monitor
   * where it serves execs (a guest's, inside its Landlock domain), else by a monitor of this
   * runtime's.
   */
  public Run exec(Instance i, PlanProgram.Exec exec, Launcher.Stdio stdio, Preparation prepare)
      throws LaunchFailure {
    Cgroup cgroup =
        cgroups
            .find(i.cgroupParent(), i.cgroupName())
            .orElseThrow(() -> new JvsException(i.id() + ": its cgroup is missing"));
    Path served = i.stateDir().resolve(EXEC_SOCKET);
    return launch(
        Files.exists(served) ? Monitor.Starter.servedBy(served) : monitors,
        PlanProgram.exec(exec),
        controlSocket(i),
        stdio,
        (monitorPid, childPid) -> {
          cgroup.addProcess(childPid);
          prepare.prepare(new Started(monitorPid, childPid, cgroup.bpfDir()));
        });
  }

  /** As {@link #exec(Instance, PlanProgram.Exec, Launcher.Stdio, Preparation)}, on this stdio. */
  public Run exec(Instance i, PlanProgram.Exec exec, Preparation prepare) throws LaunchFailure {
    return exec(i, exec, Launcher.Stdio.inherit(), prepare);
  }

  /**
   * Launches {@code program} forked by the instance's monitor, inside its Landlock domain (its exec
   * socket), in no namespace and no cgroup of the instance's: criu, which must run where the tree
   * it dumps is confined.
   */
  Run launchFromMonitor(Instance i, LaunchProgram program, Launcher.Stdio stdio)
      throws LaunchFailure {
    Path served = i.stateDir().resolve(EXEC_SOCKET);
    if (!Files.exists(served)) {
      throw new JvsException(
          i.id() + ": its monitor serves no execs (it predates exec sockets); restart it first");
    }
    return launch(Monitor.Starter.servedBy(served), program, controlSocket(i), stdio, (m, c) -> {});
  }

  /**
   * Launches {@code program} under a monitor of this runtime's, {@code preparation} done once its
   * child exists: a restore's criu, which a monitor then supervises as a started instance's.
   */
  Run launchMonitored(
      Instance i, LaunchProgram program, Launcher.Stdio stdio, Launcher.Preparation preparation)
      throws LaunchFailure {
    return launch(monitors, program, controlSocket(i), stdio, preparation);
  }

  /**
   * Launches a helper of the instance's (no cgroup, no state, stdio /dev/null): for work that only
   * jvs-init's operations may do, such as a restore's root in a user namespace ({@link
   * RestoreRoot}).
   */
  Run launchHelper(Instance i, LaunchProgram program) throws LaunchFailure {
    return launch(monitors, program, controlSocket(i), Launcher.Stdio.none(), (m, c) -> {});
  }

  /** One launch through jvs-init, its failure in the front-ends' terms. */
  private static Run launch(
      Monitor.Starter starter,
      LaunchProgram program,
      Path socket,
      Launcher.Stdio stdio,
      Launcher.Preparation preparation)
      throws LaunchFailure {
    try {
      return new Run(new Launcher(starter).launch(program, socket, stdio, preparation));
    } catch (LaunchException e) {
      throw new LaunchFailure(e);
    }
  }

  // ---- signals ----------------------------------------------------------------------------

  /** Signals the first process; false when it is gone. */
  public boolean signal(InstanceState s, int signal) {
    if (!ProcStat.isSame(s.initPid(), s.initStartTime())) {
      return false;
    }
    try (Pidfd init = Pidfd.open(s.initPid()).orElse(null)) {
      return init != null && init.signal(signal);
    }
  }

  /** Signals every process in the instance's cgroup (runc kill --all). */
  public void signalAll(Instance i, int signal) {
    for (long pid : pids(i)) {
      Pidfd.open(pid)
          .ifPresent(
              p -> {
                try (p) {
                  p.signal(signal);
                }
              });
    }
  }

  /**
   * Stops the instance: {@code signal} to its first process once it can receive it, SIGKILL after
   * {@code timeout}, then waits for a supervising monitor to record the end.
   */
  public void stop(InstanceState s, int signal, Duration timeout) {
    if (ProcStat.isSame(s.initPid(), s.initStartTime())) {
      try (Pidfd init = Pidfd.open(s.initPid()).orElse(null)) {
        if (init != null) {
          long start = System.nanoTime();
          // A stop right after start could otherwise signal an init not yet able to receive it.
          awaitHandler(
              s.initPid(), signal, timeout.compareTo(READY_GRACE) < 0 ? timeout : READY_GRACE);
          init.signal(signal);
          long left = timeout.toMillis() - (System.nanoTime() - start) / 1_000_000;
          if (!init.awaitExit(Math.max(0, left))) {
            init.signal(Signal.SIGKILL);
            init.awaitExit(MONITOR_EXIT_TIMEOUT.toMillis());
          }
        }
      }
    }
    if (s.supervised() && ProcStat.isSame(s.monitorPid(), s.monitorStartTime())) {
      try (Pidfd monitor = Pidfd.open(s.monitorPid()).orElse(null)) {
        if (monitor != null && !monitor.awaitExit(MONITOR_EXIT_TIMEOUT.toMillis())) {
          monitor.signal(Signal.SIGKILL);
          monitor.awaitExit(MONITOR_EXIT_TIMEOUT.toMillis());
        }
      }
    }
  }

  // ---- cgroup ------------------------------------------------------------------------------

  /**
   * Pauses (freezes) or resumes every process of the instance; a host without a freezer says so.
   */
  public void setFrozen(Instance i, boolean frozen) {
    Cgroup cgroup = cgroup(i).orElseThrow(() -> new JvsException(i.id() + ": has no cgroup"));
    try {
      cgroup.setFrozen(frozen);
    } catch (CgroupException e) {
      throw new JvsException(i.id() + ": " + e.getMessage(), e);
    }
  }

  /** Whether the instance's processes are frozen (paused). */
  public boolean isFrozen(Instance i) {
    return cgroup(i).map(Cgroup::isFrozen).orElse(false);
  }

  public Optional<Cgroup> cgroup(Instance i) {
    return cgroups.find(i.cgroupParent(), i.cgroupName());
  }

  /** The instance's processes (host pids), including those in cgroups it made itself. */
  public List<Long> pids(Instance i) {
    return cgroup(i).map(Cgroup::pids).orElse(List.of());
  }

  public Optional<CgroupUsage> usage(Instance i) {
    return cgroup(i).map(Cgroup::usage);
  }

  /** New limits and tuning for a running instance; a value the kernel refuses names itself. */
  public void apply(Instance i, CgroupLimits limits, CgroupTuning tuning) {
    Cgroup cgroup = cgroup(i).orElseThrow(() -> new JvsException(i.id() + ": has no cgroup"));
    try {
      cgroup.apply(limits);
      cgroup.tune(tuning);
    } catch (CgroupException e) {
      throw new JvsException(i.id() + ": " + e.getMessage(), e);
    }
  }

  // ---- cleanup -----------------------------------------------------------------------------

  /**
   * Removes what a run left: the front-end's part ({@code teardown}), its cgroup (killing what is
   * still inside), mounts it made on the host, its state and exec socket, and the parent cgroup
   * once empty. Idempotent.
   */
  public void cleanup(Instance i, Teardown teardown) {
    cleanup(i, cgroup(i).orElse(null), teardown);
  }

  private void cleanup(Instance i, Cgroup cgroup, Teardown teardown) {
    try {
      teardown.teardown(cgroup == null ? Optional.empty() : cgroup.bpfDir());
      Trace.mark("front-end torn down (network)");
    } finally {
      if (cgroup != null) {
        cgroup.destroy();
      }
    }
    Trace.mark("cgroup destroyed");
    HostMounts.unmountNew(i.stateDir());
    StateFile.delete(i.stateDir());
    states.forget(i.stateDir());
    try {
      Files.deleteIfExists(i.stateDir().resolve(EXEC_SOCKET)); // its monitor's
    } catch (IOException e) {
      throw new UncheckedIOException(i.id() + ": " + e.getMessage(), e);
    }
    if (isJvsParent(i.cgroupParent())) {
      cgroups.removeParentIfEmpty(i.cgroupParent());
    }
  }

  /**
   * A parent cgroup left empty is removed only when it is one of jvs's own (one level, named jvs…):
   * a parent an OCI cgroupsPath names, such as a kubelet's pod cgroup, belongs to whoever made it,
   * and runc leaves it too.
   */
  static boolean isJvsParent(String parent) {
    return parent.startsWith("jvs") && !parent.contains("/");
  }

  /** Names of the cgroups below {@code parent}: instances a killed process may have left. */
  public List<String> cgroupChildren(String parent) {
    return cgroups.children(parent);
  }

  /** Removes {@code parent} where it has no children. */
  public void removeParentIfEmpty(String parent) {
    cgroups.removeParentIfEmpty(parent);
  }

  // ---- internals ---------------------------------------------------------------------------

  private static long startTime(long pid) {
    return ProcStat.startTime(pid)
        .orElseThrow(() -> new JvsException("process " + pid + " vanished"));
  }

  private static void awaitHandler(long pid, int signal, Duration timeout) {
    try {
      SignalHandlers.await(pid, signal, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A fresh control socket for one launch: several may run at once. */
  private static Path controlSocket(Instance i) {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    return i.controlDir().resolve("ctl-" + HexFormat.of().formatHex(random) + ".sock");
  }
}
