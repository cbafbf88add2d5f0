package dev.jvs.guest;

import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.config.GuestConfig;
import dev.jvs.guest.state.GuestState;
import dev.jvs.guest.state.StateStore;
import dev.jvs.kernel.Pidfd;
import dev.jvs.kernel.ProcStat;
import dev.jvs.kernel.Signal;
import dev.jvs.kernel.SignalHandlers;
import dev.jvs.net.GuestNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;

/**
 * A guest's run as the kernel shows it: whether its monitor lives, how to stop it, and the
 * removal of what a run leaves (cgroup, network, state file). Callers hold the guest's lock.
 */
final class GuestRuns {
  private static final Duration MONITOR_EXIT_TIMEOUT = Duration.ofSeconds(10);
  /**
   * How long a stop waits for init to be able to receive its stop signal before sending it
   * anyway: an init may never show it (it ignores the signal, or /proc hides its wait channel),
   * and the rest of the timeout is its time to exit.
   */
  private static final Duration READY_GRACE = Duration.ofSeconds(2);

  private final JvsDirs dirs;
  private final CgroupDriver cgroups;
  private final StateStore store;
  private final GuestNetwork network;

  GuestRuns(JvsDirs dirs, CgroupDriver cgroups, StateStore store, GuestNetwork network) {
    this.dirs = dirs;
    this.cgroups = cgroups;
    this.store = store;
    this.network = network;
  }

  /**
   * The guest's state if it is running. When its monitor is gone (stopped, crashed or killed),
   * removes what the run left — cgroup, state file — and returns empty.
   */
  Optional<GuestState> reconcile(GuestName name) {
    Optional<GuestState> state = store.read(dirs.runGuest(name));
    if (state.isPresent() && ProcStat.isSame(state.get().monitorPid(), state.get().monitorStartTime())) {
      return state;
    }
    if (state.isPresent()) {
      // The monitor is gone; its guest died with it (pdeathsig). Kill stragglers, clean up.
      cleanup(name);
    }
    return Optional.empty();
  }

  /** The guest's stop signal, then SIGKILL after {@code timeout}; then its run is removed. */
  void stop(GuestName name, GuestConfig config, Duration timeout) {
    GuestState state = store.read(dirs.runGuest(name)).orElseThrow();
    if (ProcStat.isSame(state.initPid(), state.initStartTime())) {
      try (Pidfd init = Pidfd.open(state.initPid()).orElse(null)) {
        if (init != null) {
          long start = System.nanoTime();
          // A stop right after start could otherwise signal an init not yet able to receive it.
          awaitHandler(state.initPid(), config.stopSignal(),
              timeout.compareTo(READY_GRACE) < 0 ? timeout : READY_GRACE);
          init.signal(config.stopSignal());
          long left = timeout.toMillis() - (System.nanoTime() - start) / 1_000_000;
          if (!init.awaitExit(Math.max(0, left))) {
            init.signal(Signal.SIGKILL);
            init.awaitExit(MONITOR_EXIT_TIMEOUT.toMillis());
          }
        }
      }
    }
    awaitMonitor(state);
    cleanup(name);
  }

  /** Removes the guest's network, cgroup and state file, and the parent cgroup once empty. */
  void cleanup(GuestName name) {
    cleanup(name, cgroups.find(dirs.cgroupParent(), name.value()).orElse(null));
  }

  void cleanup(GuestName name, Cgroup cgroup) {
    try {
      network.unplumb(name.value(), cgroup == null ? Optional.empty() : cgroup.bpfDir());
    } finally {
      if (cgroup != null) {
        cgroup.destroy();
      }
    }
    store.delete(dirs.runGuest(name));
    try {
      Files.deleteIfExists(dirs.runGuest(name).resolve(StateStore.EXEC_SOCKET)); // its monitor's
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    cgroups.removeParentIfEmpty(dirs.cgroupParent());
  }

  private static void awaitHandler(long pid, int signal, Duration timeout) {
    try {
      SignalHandlers.await(pid, signal, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitMonitor(GuestState state) {
    if (!ProcStat.isSame(state.monitorPid(), state.monitorStartTime())) {
      return;
    }
    try (Pidfd monitor = Pidfd.open(state.monitorPid()).orElse(null)) {
      if (monitor != null && !monitor.awaitExit(MONITOR_EXIT_TIMEOUT.toMillis())) {
        monitor.signal(Signal.SIGKILL);
        monitor.awaitExit(MONITOR_EXIT_TIMEOUT.toMillis());
      }
    }
  }
}
