package dev.jvs.guest;

import dev.jvs.base.JvsException;
import dev.jvs.kernel.Capability;
import dev.jvs.net.NamespaceLinks;
import dev.jvs.net.NetMode;
import dev.jvs.runtime.Checkpoints;
import dev.jvs.runtime.Namespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A guest's network namespace left out of its checkpoint (docs/checkpoint.md, "The network
 * namespace, made again"): criu names it external at the dump and restores the tree into one jvs
 * made and plumbed as a start does, instead of dumping and recreating its addresses, routes,
 * firewall and links through `ip` and `iptables` (~70 ms of a frozen dump, ~100 ms of a restore).
 * Only for a namespace jvs alone configured: a bridge or none guest whose root holds neither
 * NET_ADMIN nor SYS_ADMIN, and that runs as host root (criu's restored tree, in a user namespace of
 * its own, could not join a namespace the host's user namespace owns). Its eth0 keeps its MAC, so
 * that neighbours' caches stay right.
 */
final class ExternalNetwork {
  /** Beside criu's images when the dump left the namespace out: eth0's MAC, or nothing. */
  static final String FILE = "jvs-guest-netns";

  /** What lets a guest's root change its network namespace. */
  private static final long NAMESPACE_CHANGERS =
      Capability.mask(List.of(Capability.NET_ADMIN, Capability.SYS_ADMIN));

  private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

  private ExternalNetwork() {}

  /**
   * Whether the running guest's namespace may be left out, and then what to record: it runs as host
   * root, its init's bounding set lacks what could change the namespace, and the namespace holds
   * what its mode's plumbing makes (lo, and a bridge guest's eth0, whose MAC is recorded): a guest
   * whose net.mode changed since its start keeps criu's dump of what it has.
   */
  static Optional<Recorded> applies(NetMode mode, long initPid, boolean ownUserNamespace) {
    if ((mode != NetMode.BRIDGE && mode != NetMode.NONE) || ownUserNamespace) {
      return Optional.empty();
    }
    if ((Capability.boundingMaskOf(initPid) & NAMESPACE_CHANGERS) != 0) {
      return Optional.empty();
    }
    Map<String, String> links = NamespaceLinks.of(initPid);
    if (mode == NetMode.NONE) {
      return links.keySet().equals(Set.of("lo"))
          ? Optional.of(new Recorded(Optional.empty()))
          : Optional.empty();
    }
    String mac = links.getOrDefault("eth0", "");
    return links.keySet().equals(Set.of("lo", "eth0")) && MAC.matcher(mac).matches()
        ? Optional.of(new Recorded(Optional.of(mac)))
        : Optional.empty();
  }

  /** criu's dump options naming the init's network namespace external. */
  static List<String> dumpOptions(long initPid) {
    try {
      return List.of(
          "--external",
          "net[" + Namespace.NET.inode(initPid) + "]:" + Checkpoints.EXTERNAL_NETWORK);
    } catch (IOException e) {
      throw new UncheckedIOException("network namespace of " + initPid + ": " + e.getMessage(), e);
    }
  }

  static void record(Path images, Optional<String> mac) {
    try {
      Files.writeString(images.resolve(FILE), mac.orElse("") + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(images + ": " + e.getMessage(), e);
    }
  }

  /** A checkpoint that left the namespace out: eth0's MAC, if the guest had one. */
  record Recorded(Optional<String> mac) {}

  /**
   * Whether the checkpoint in {@code images} left its namespace out, and eth0's MAC then; a MAC
   * that is not one is refused (it goes into an `ip` command).
   */
  static Optional<Recorded> recorded(GuestName name, Path images) {
    Path file = images.resolve(FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      String mac = Files.readString(file).strip();
      if (!mac.isEmpty() && !MAC.matcher(mac).matches()) {
        throw new JvsException(name + ": " + file + ": not a MAC address: " + mac);
      }
      return Optional.of(new Recorded(mac.isEmpty() ? Optional.empty() : Optional.of(mac)));
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": " + file + ": " + e.getMessage(), e);
    }
  }
}
