package dev.jvs.guest;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.net.GuestNetwork;
import dev.jvs.net.NetMode;
import dev.jvs.runtime.Instance;
import dev.jvs.runtime.InstanceState;
import dev.jvs.runtime.Instances;
import java.time.Duration;
import java.util.Optional;

/**
 * A guest's run as the runtime core sees it: where it lives, whether its monitor lives, how it
 * stops, and the removal of what a run leaves (network, cgroup, state). Callers hold the guest's
 * lock.
 */
final class GuestRuns {
  /** The label a guest's state carries: its net.mode when it started. */
  static final String NET_MODE = "net";

  private final JvsDirs dirs;
  private final Instances instances;
  private final GuestNetwork network;

  GuestRuns(JvsDirs dirs, Instances instances, GuestNetwork network) {
    this.dirs = dirs;
    this.instances = instances;
    this.network = network;
  }

  /** The guest as an instance of the core: its run dir, lock, and cgroup derived from its name. */
  Instance instance(GuestName name) {
    return new Instance(
        name.value(),
        dirs.runGuest(name),
        dirs.lock(name),
        dirs.run(),
        dirs.cgroupParent(),
        name.value());
  }

  /**
   * The guest's state if it is running. When its monitor is gone (stopped, crashed or killed),
   * removes what the run left and returns empty.
   */
  Optional<InstanceState> reconcile(GuestName name) {
    Optional<InstanceState> state = instances.state(instance(name));
    if (state.isPresent() && instances.alive(state.get())) {
      return state;
    }
    if (state.isPresent()) {
      // The monitor is gone; its guest died with it (pdeathsig). Kill stragglers, clean up.
      cleanup(name);
    }
    return Optional.empty();
  }

  /**
   * The guest's stop signal, then SIGKILL after {@code timeout}; {@code stopped} runs once its
   * processes are gone, then its run is removed.
   */
  void stop(GuestName name, GuestConfig config, Duration timeout, Runnable stopped) {
    instances.state(instance(name)).ifPresent(s -> instances.stop(s, config.stopSignal(), timeout));
    stopped.run();
    cleanup(name);
  }

  /**
   * Removes the guest's network, cgroup and state, and the parent cgroup once empty. A run that
   * recorded a mode with nothing plumbed on the host (none, host) skips the network's teardown;
   * without a record (a start killed early) the teardown looks for everything.
   */
  void cleanup(GuestName name) {
    Optional<String> mode = Optional.empty();
    try {
      mode = instances.state(instance(name)).map(s -> s.labels().get(NET_MODE));
    } catch (RuntimeException e) {
      // a corrupt state tells nothing: tear everything down
    }
    boolean plumbed =
        mode.map(m -> !m.equals(NetMode.NONE.value()) && !m.equals(NetMode.HOST.value()))
            .orElse(true);
    instances.cleanup(
        instance(name),
        bpfDir -> {
          if (plumbed) {
            network.unplumb(name.value(), bpfDir);
          }
        });
  }
}
