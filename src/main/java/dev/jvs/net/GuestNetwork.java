package dev.jvs.net;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The seam between the guest runtime and networking. {@link #plumb} runs between the guest's
 * creation and its go-ahead; {@link #unplumb} and {@link #gc} run on every cleanup path (stop,
 * reconcile after a killed monitor, gc, failed start). Both are idempotent and work from names
 * alone, so they need no state from the run that created things.
 */
public interface GuestNetwork {
  /**
   * Gives a new guest its network context.
   *
   * @param guest the guest's name
   * @param hostname its hostname, for its /etc/hosts
   * @param config its net.* settings
   * @param childPid its first process, not yet running the guest's program
   * @param bpfDir its cgroup2 directory for socket hooks, if the host has one
   * @param etc a directory jvs owns where the files of {@link #etcFiles} are written, for the
   *     guest's launch program to bind over its /etc (written before the go-ahead)
   */
  void plumb(
      String guest,
      String hostname,
      NetConfig config,
      long childPid,
      Optional<Path> bpfDir,
      Path etc);

  /**
   * Before criu restores a checkpoint of a guest: what {@link #plumb} makes outside the guest's
   * namespace, for the address the checkpoint holds. criu recreates the namespace as dumped.
   *
   * @param address the guest's address when it was dumped ({@link #address}), leased to it again
   * @param userNamespace whether the guest is restored in a user namespace of its own, where criu
   *     cannot create a veth pair with an end on the host: its pair is made here
   * @return criu's restore arguments for the guest's links (a bridge guest's veth; none for a
   *     host-ip guest, whose address is leased here and put on the host in {@link
   *     #restoreInCgroup})
   */
  List<String> prepareRestore(
      String guest,
      String hostname,
      NetConfig config,
      Optional<String> address,
      Path etc,
      boolean userNamespace);

  /**
   * For a restore into a network namespace of jvs's making (the checkpoint left the guest's out):
   * plumbs it as {@link #plumb} does, given criu's process in it, with the address the checkpoint
   * holds leased again and eth0 given the MAC it had.
   */
  void plumbRestored(
      String guest,
      String hostname,
      NetConfig config,
      Optional<String> address,
      Optional<String> mac,
      long pid,
      Path etc);

  /**
   * During a restore, once criu, in the guest's fresh cgroup, has probed the kernel and before it
   * forks the guest's processes: what a start attaches to the cgroup (a host-ip guest's address and
   * socket hooks, so that its restored sockets bind only to that address from their first instant;
   * attached earlier, the hooks would refuse criu's own IPv6 probe).
   */
  void restoreInCgroup(String guest, NetConfig config, Optional<Path> bpfDir);

  /** After criu restored the guest whose first process is {@code pid}: what needs its links. */
  void completeRestore(String guest, NetConfig config, long pid);

  /** The address leased to the guest, if any (what a checkpoint records). */
  Optional<String> address(String guest);

  /** The files {@link #plumb} writes for a guest's /etc in this mode (hosts, resolv.conf). */
  static List<String> etcFiles(NetConfig config) {
    return config.mode() == NetMode.BRIDGE ? EtcFiles.NAMES : List.of();
  }

  /** Removes everything {@link #plumb} made for the guest, then what no guest uses any more. */
  void unplumb(String guest, Optional<Path> bpfDir);

  /** Removes shared objects (bridge, tables, links) no running guest uses; what it removed. */
  List<String> gc();

  /** The implementation for a JVS_ROOT; {@code run} holds the lock that serializes plumbing. */
  static GuestNetwork forRoot(Path root, Path run) {
    return new LinuxGuestNetwork(root, run);
  }
}
