package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import dev.jvs.kernel.Libc;
import dev.jvs.kernel.Signal;
import java.time.Duration;
import java.util.List;

/**
 * The root of a restore whose tree ran in a user namespace of its own (docs/checkpoint.md): mounted
 * as the instance's start mounts it, through the same launch operations — jvs-init makes a user
 * namespace with the instance's id map and a mount namespace, idmaps the template through it and
 * mounts the overlay there — and held in that mount namespace, which criu then enters. Nothing
 * appears on the host; the helper that holds the namespace ends when this closes (or, should jvs
 * die, after {@code lifetime}).
 */
final class RestoreRoot implements AutoCloseable {
  private final Run helper;

  private RestoreRoot(Run helper) {
    this.helper = helper;
  }

  /**
   * Mounts {@code root} (idmapped) in a user namespace mapping {@code idMap}, with {@code
   * hostSysfs} the host's sysfs alone over /sys; fails in one line.
   */
  static RestoreRoot mount(
      Instances instances,
      Instance i,
      Plan.Overlay root,
      String idMap,
      boolean hostSysfs,
      Duration lifetime) {
    List<String> wait = List.of("/bin/sleep", Long.toString(lifetime.toSeconds()));
    try {
      return new RestoreRoot(
          instances.launchHelper(i, PlanProgram.restoreRoot(root, idMap, hostSysfs, wait)));
    } catch (LaunchFailure e) {
      throw new JvsException(i.id() + ": restore: its root: " + e.getMessage(), e);
    }
  }

  /** The mount namespace that holds the root, for {@code nsenter --mount=}. */
  String mountNamespace() {
    return "/proc/" + helper.childPid() + "/ns/mnt";
  }

  @Override
  public void close() {
    Libc.kill((int) helper.childPid(), Signal.SIGKILL);
    try {
      helper.awaitExit(); // its monitor reaps it and exits
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      helper.close();
    }
  }
}
