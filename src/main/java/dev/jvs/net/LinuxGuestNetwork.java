package dev.jvs.net;

import dev.jvs.kernel.FileLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Networking by mode. Plumbing of one root is serialized by a lock file, since guests share the
 * bridge, its tables and its address leases.
 */
final class LinuxGuestNetwork implements GuestNetwork {
  private static final Subnet ANY = new Subnet(new Ipv4(0), 0);

  private final Path root;
  private final Path lockFile;
  private final Leases leases;
  private final BridgeNetwork bridge;
  private final HostIpNetwork hostIp;

  LinuxGuestNetwork(Path root, Path run) {
    this.root = root;
    this.lockFile = run.resolve("locks").resolve(".net.lock");
    NetNames names = NetNames.of(root);
    this.leases = new Leases(root);
    this.bridge = new BridgeNetwork(names);
    this.hostIp = new HostIpNetwork(names);
  }

  @Override
  public void plumb(
      String guest,
      String hostname,
      NetConfig config,
      long childPid,
      Optional<Path> bpfDir,
      Path etc) {
    switch (config.mode()) {
      case NONE, HOST -> {} // a none guest's lo comes up in its launch program
      case BRIDGE -> {
        try (FileLock lock = lock()) {
          HostNetConfig host = HostNetConfig.read(root);
          bridge.check(guest, host, config);
          Ipv4 ip = leases.acquire(guest, host.subnet(), config.ip());
          bridge.plumb(guest, hostname, host, config, ip, childPid, etc, Optional.empty());
        }
      }
      case HOST_IP -> {
        try (FileLock lock = lock()) {
          Ipv4 ip = leases.acquire(guest, ANY, config.ip());
          hostIp.plumb(guest, ip, bpfDir);
        }
      }
    }
  }

  @Override
  public List<String> prepareRestore(
      String guest,
      String hostname,
      NetConfig config,
      Optional<String> address,
      Path etc,
      boolean userNamespace) {
    return switch (config.mode()) {
      case NONE, HOST -> List.of();
      case BRIDGE -> {
        try (FileLock lock = lock()) {
          HostNetConfig host = HostNetConfig.read(root);
          bridge.check(guest, host, config);
          // the dumped eth0 holds this address: the guest must get it again, or nothing
          Ipv4 ip = leaseDumped(guest, host.subnet(), address);
          yield List.of(
              "--external",
              bridge.prepareRestore(guest, hostname, host, config, ip, etc, userNamespace));
        }
      }
      case HOST_IP -> {
        try (FileLock lock = lock()) {
          // the dumped sockets are bound to this address: the guest must get it again, or nothing
          Ipv4 dumped =
              Ipv4.parse(
                  address.orElseThrow(
                      () -> new NetException("the checkpoint records no host-ip address")));
          try {
            leases.acquire(guest, ANY, dumped);
          } catch (NetException e) {
            throw new NetException("the checkpoint's address: " + e.getMessage());
          }
          yield List.of();
        }
      }
    };
  }

  @Override
  public void plumbRestored(
      String guest,
      String hostname,
      NetConfig config,
      Optional<String> address,
      Optional<String> mac,
      long pid,
      Path etc) {
    switch (config.mode()) {
      case NONE -> {} // its lo comes up in criu's launch program
      case BRIDGE -> {
        try (FileLock lock = lock()) {
          HostNetConfig host = HostNetConfig.read(root);
          bridge.check(guest, host, config);
          Ipv4 ip = leaseDumped(guest, host.subnet(), address);
          bridge.plumb(guest, hostname, host, config, ip, pid, etc, mac);
        }
      }
      case HOST, HOST_IP ->
          throw new NetException("net.mode " + config.mode().value() + " has no namespace to make");
    }
  }

  /** The address the checkpoint's eth0 holds, leased to the guest again, or a failure. */
  private Ipv4 leaseDumped(String guest, Subnet subnet, Optional<String> address) {
    Ipv4 dumped =
        Ipv4.parse(
            address.orElseThrow(
                () -> new NetException("the checkpoint records no address for eth0")));
    try {
      return leases.acquire(guest, subnet, dumped);
    } catch (NetException e) {
      throw new NetException("the checkpoint's address: " + e.getMessage());
    }
  }

  @Override
  public void restoreInCgroup(String guest, NetConfig config, Optional<Path> bpfDir) {
    if (config.mode() == NetMode.HOST_IP) {
      try (FileLock lock = lock()) {
        Ipv4 ip = leases.of(guest).orElseThrow(() -> new NetException("no address leased"));
        hostIp.plumb(guest, ip, bpfDir);
      }
    }
  }

  @Override
  public void completeRestore(String guest, NetConfig config, long pid) {
    if (config.mode() == NetMode.BRIDGE) {
      try (FileLock lock = lock()) {
        HostNetConfig host = HostNetConfig.read(root);
        Ipv4 ip = leases.of(guest).orElseThrow(() -> new NetException("no address leased"));
        bridge.completeRestore(guest, host, config, ip, pid);
      }
    }
  }

  @Override
  public Optional<String> address(String guest) {
    try (FileLock lock = lock()) {
      return leases.of(guest).map(Ipv4::toString);
    }
  }

  @Override
  public void unplumb(String guest, Optional<Path> bpfDir) {
    try (FileLock lock = lock()) {
      Optional<Ipv4> ip = leases.of(guest);
      bridge.unplumb(guest, hostConfigOrDefault(), ip);
      hostIp.unplumb(ip, bpfDir);
      gcLocked(false);
    }
  }

  @Override
  public List<String> gc() {
    try (FileLock lock = lock()) {
      return gcLocked(true);
    }
  }

  private List<String> gcLocked(boolean thorough) {
    List<String> removed = new ArrayList<>(bridge.gc(thorough));
    removed.addAll(hostIp.gc());
    return removed;
  }

  /** A broken net.conf must not keep a guest's rules from being removed. */
  private HostNetConfig hostConfigOrDefault() {
    try {
      return HostNetConfig.read(root);
    } catch (NetException e) {
      return HostNetConfig.DEFAULT;
    }
  }

  private FileLock lock() {
    try {
      Files.createDirectories(lockFile.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return FileLock.acquire(lockFile);
  }
}
