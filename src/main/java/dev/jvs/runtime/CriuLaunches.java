package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import dev.jvs.base.Trace;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.kernel.Libc;
import dev.jvs.kernel.Signal;
import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Launcher;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * How {@link Checkpoints} runs criu (docs/checkpoint.md): started by this process, or as the child
 * of a jvs-init monitor, either forked by the instance's own monitor inside its Landlock domain (a
 * dump of a tree confined there) or under a new monitor as a start has one (a guest's restore); and
 * how criu's waits see each.
 */
final class CriuLaunches {
  private final Instances instances;

  CriuLaunches(Instances instances) {
    this.instances = instances;
  }

  /**
   * Runs criu to its end forked by the instance's monitor, inside its Landlock domain: there the
   * parasite criu injects into each process may connect back to criu's abstract socket.
   */
  void dumpInDomain(Instance i, Criu criu, String step, List<String> args, Path log) {
    java.io.File out = log.resolveSibling("criu.out").toFile();
    Launcher.Stdio stdio =
        new Launcher.Stdio(
            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
            ProcessBuilder.Redirect.appendTo(out),
            ProcessBuilder.Redirect.appendTo(out));
    LaunchProgram program = criuChild(LaunchProgram.builder(), criu, args, 0, b -> {}).build();
    try (Run run = instances.launchFromMonitor(i, program, stdio)) {
      Criu.Running running = running(run);
      criu.await(i.id(), step, running, log, () -> false);
      if (running.exitValue() != 0) {
        throw Criu.failure(i.id(), step, running.exitValue(), log);
      }
    } catch (LaunchFailure e) {
      throw new JvsException(i.id() + ": criu " + step + ": " + e.getMessage(), e);
    }
  }

  /**
   * criu as a jvs-init monitor's child, after the monitor's own operations in {@code b}: killed
   * with its monitor, in a session of its own (its deadline kills the session), with the child's
   * {@code setup} first, on criu's environment.
   */
  private static LaunchProgram.Builder criuChild(
      LaunchProgram.Builder b,
      Criu criu,
      List<String> args,
      long cloneFlags,
      Consumer<LaunchProgram.Builder> setup) {
    b.clone(cloneFlags).pdeathsig(Signal.SIGKILL).setsid();
    setup.accept(b);
    return b.env(Criu.environment()).exec(criu.command(List.of(), args));
  }

  /**
   * A restore's root, mounted by its criu's jvs-init child before it becomes criu, as the shell
   * line of a restore started by this process mounts it: a private mount namespace of its own
   * (nothing appears on the host), a disk.space image's filesystem, then the overlay, or the root
   * bound onto itself.
   */
  static void rootOperations(LaunchProgram.Builder b, Checkpoints.Root root) {
    String point = root.mountPoint().toString();
    b.unshare(Namespace.MOUNT.flag());
    b.mount("", "/", "", MountFlags.REC | MountFlags.PRIVATE, "");
    if (root.disk() != null) {
      b.mount(root.disk(), root.diskMount().toString(), "ext4", MountFlags.NOSUID, "");
    }
    if (root.overlayOptions().isEmpty()) {
      b.mount(point, point, "", MountFlags.BIND | MountFlags.REC, "");
    } else {
      b.mount("overlay", point, "overlay", 0, root.overlayOptions());
    }
  }

  /** A criu that a jvs-init monitor runs, as criu's waits see it. */
  private static Criu.Running running(Run run) {
    return new Criu.Running() {
      private int status = -1;

      @Override
      public boolean waitFor(long millis) throws InterruptedException {
        return run.awaitEnd(millis);
      }

      @Override
      public void kill() {
        Libc.kill((int) -run.childPid(), Signal.SIGKILL); // its session: setsid made it leader
        try {
          run.awaitEnd(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public int exitValue() {
        if (status < 0) {
          try {
            status = run.awaitExit();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
          }
        }
        return status;
      }
    };
  }

  /**
   * How criu is started: started here, through {@code launcher} (which mounts its root or enters
   * the namespace that has it); under a monitor, its child's {@code setup} (mounting the root), or
   * with {@code joinMount} the monitor joins the mount namespace that has it; the child cloned with
   * {@code cloneFlags} (a network namespace of its own, which jvs plumbs before criu runs).
   */
  record Launch(
      List<String> launcher,
      Consumer<LaunchProgram.Builder> setup,
      String joinMount,
      long cloneFlags) {
    static Launch startedHere(List<String> launcher) {
      return new Launch(launcher, b -> {}, null, 0);
    }

    static Launch underMonitor(Consumer<LaunchProgram.Builder> setup, String joinMount) {
      return underMonitor(setup, joinMount, 0);
    }

    static Launch underMonitor(
        Consumer<LaunchProgram.Builder> setup, String joinMount, long cloneFlags) {
      return new Launch(List.of(), setup, joinMount, cloneFlags);
    }
  }

  /** The cgroup once made; its own failure as it was thrown. */
  static Cgroup joined(CompletableFuture<Cgroup> made) {
    try {
      return made.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** A restore's criu once started: its waits, its monitor, and the end of the caller's hold. */
  record Restoring(Criu.Running criu, long monitorPid, AutoCloseable hold) {
    /** Success: lets go of the launch's control connection; criu and its monitor run on. */
    void release() {
      try {
        hold.close();
      } catch (Exception ignored) {
        // a vanished control connection is what its monitor expects
      }
    }

    /** Failure: criu's session killed, then the hold released. */
    void abort() {
      criu.kill();
      release();
    }
  }

  /**
   * criu started by this process (through {@code launcher}, which waits for the go-ahead), placed
   * in the cgroup and given the go-ahead: it is the tree's parent and monitor.
   */
  Restoring startHere(
      Instance i,
      Path images,
      Checkpoints.Mode mode,
      Criu criu,
      List<String> launcher,
      List<String> args,
      Cgroup cgroup,
      LazyPages pages)
      throws IOException {
    Checkpoints.Output output = mode.output();
    ProcessBuilder pb = criu.builder(launcher, args).redirectInput(ProcessBuilder.Redirect.PIPE);
    if (output.consoleLog().isPresent()) {
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(output.consoleLog().get().toFile()))
          .redirectError(ProcessBuilder.Redirect.appendTo(images.resolve("criu.out").toFile()));
    } else {
      pb.redirectOutput(ProcessBuilder.Redirect.INHERIT)
          .redirectError(ProcessBuilder.Redirect.INHERIT);
    }
    Process p = criu.start(i.id(), "restore", pb); // it waits for the go below
    Restoring restoring = new Restoring(Criu.Running.of(p), p.pid(), () -> {});
    try {
      cgroup.addProcess(p.pid());
      if (pages != null) {
        pages.awaitListening();
        Trace.mark("lazy-pages daemon listening");
      }
      try (OutputStream go = p.getOutputStream()) {
        go.write('\n');
      }
      return restoring;
    } catch (IOException | RuntimeException e) {
      restoring.criu().kill();
      throw e;
    }
  }

  /**
   * criu as the child of a jvs-init monitor, as a started instance's first process: the monitor
   * confines itself to the tree's Landlock domain if it had one (the restored tree is born inside
   * it), serves execs there (and the next dump), copies the console to its log and records the end.
   * With {@code joinMount} (or null) the monitor first joins that mount namespace, where the root
   * is mounted.
   */
  Restoring startMonitored(
      Instance i,
      Checkpoints.Mode mode,
      Criu criu,
      List<String> args,
      Launch launch,
      CompletableFuture<Cgroup> made,
      LazyPages pages) {
    Checkpoints.Confinement confinement = mode.confinement();
    LaunchProgram.Builder monitor =
        LaunchProgram.builder()
            .statusFile(confinement.statusFile().toString())
            .detach()
            .execSocket(Instances.EXEC_SOCKET);
    Optional<Plan.Log> log = mode.output().log();
    if (log.isPresent()) {
      monitor.log(log.get().file().toString(), log.get().maxBytes(), log.get().files());
      if (log.get().owner() != null) {
        monitor.pipeOwner(log.get().owner().uid(), log.get().owner().gid());
      }
    }
    if (launch.joinMount() != null) {
      monitor.setns(launch.joinMount(), Namespace.MOUNT.flag());
    }
    if (confinement.inDomain()) {
      monitor.landlockScope(confinement.landlockScopes());
    }
    LaunchProgram program =
        criuChild(monitor, criu, args, launch.cloneFlags(), launch.setup()).build();
    // with a log, the monitor's own stdio is only for what jvs-init says before the relay runs
    Launcher.Stdio stdio = log.isPresent() ? Launcher.Stdio.none() : Launcher.Stdio.inherit();
    try {
      Run run =
          instances.launchMonitored(
              i,
              program,
              stdio,
              (monitorPid, childPid) -> {
                joined(made).addProcess(childPid);
                Trace.mark("cgroup ready (made beside the launch)");
                mode.network()
                    .own()
                    .ifPresent(
                        own -> {
                          own.plumb(childPid);
                          Trace.mark("network plumbed in criu's namespace");
                        });
                if (pages != null) {
                  pages.awaitListening();
                  Trace.mark("lazy-pages daemon listening");
                }
              });
      return new Restoring(running(run), run.monitorPid(), run);
    } catch (LaunchFailure e) {
      throw new JvsException(i.id() + ": criu restore: " + e.getMessage(), e);
    }
  }
}
