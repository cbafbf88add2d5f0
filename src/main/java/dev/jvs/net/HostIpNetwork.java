package dev.jvs.net;

import dev.jvs.cgroup.BpfSyscall;
import dev.jvs.cgroup.Fd;
import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * host-ip mode: the guest shares the host's stack; its address lives on jvs's own link, a bridge
 * without ports (this kernel has no dummy driver), unless the host already has it; cgroup socket
 * hooks on its cgroup2 directory confine it to that address. Nothing per packet, nothing in user
 * space.
 */
final class HostIpNetwork {
  private final NetNames names;

  HostIpNetwork(NetNames names) {
    this.names = names;
  }

  void plumb(String guest, Ipv4 ip, Optional<Path> bpfDir) {
    Path dir =
        bpfDir.orElseThrow(
            () -> new NetException("net.mode=host-ip needs a cgroup2 mount for its socket hooks"));
    if (!Links.exists(names.hostIpLink())) {
      NetTools.ip(
          List.of(
              "link add " + names.hostIpLink() + " type bridge",
              "link set " + names.hostIpLink() + " up"));
    }
    if (!isLocal(ip)) {
      NetTools.ip(List.of("addr add " + ip + "/32 dev " + names.hostIpLink()));
    }
    attach(dir, ip);
  }

  /** Removes the guest's address from jvs's link and its hooks from its cgroup. */
  void unplumb(Optional<Ipv4> ip, Optional<Path> bpfDir) {
    if (ip.isPresent()
        && Links.exists(names.hostIpLink())
        && !NetTools.run(
                "ip", "-o", "-4", "addr", "show", "dev", names.hostIpLink(), "to", ip.get() + "/32")
            .isBlank()) {
      NetTools.ip(List.of("addr del " + ip.get() + "/32 dev " + names.hostIpLink()));
    }
    bpfDir.filter(Files::isDirectory).ifPresent(HostIpNetwork::detachAll);
  }

  /** Removes jvs's address link once no guest address is left on it. */
  List<String> gc() {
    if (Links.exists(names.hostIpLink())
        && NetTools.run("ip", "-o", "-4", "addr", "show", "dev", names.hostIpLink()).isBlank()) {
      NetTools.ip(List.of("link del " + names.hostIpLink()));
      return List.of("link " + names.hostIpLink());
    }
    return List.of();
  }

  private static boolean isLocal(Ipv4 ip) {
    return !NetTools.run("ip", "-o", "-4", "addr", "show", "to", ip + "/32").isBlank();
  }

  private static void attach(Path dir, Ipv4 ip) {
    String what = "socket hooks on " + dir;
    try (Fd cgroup = Fd.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY)) {
      for (HostIpPrograms.Hook h : HostIpPrograms.hooks(ip)) {
        try (Fd prog = BpfSyscall.progLoad(h.progType(), h.attachType(), h.code(), h.name())) {
          BpfSyscall.progAttach(cgroup, prog, h.attachType(), BpfSyscall.F_ALLOW_MULTI, what);
        }
      }
    } catch (KernelException e) {
      throw new NetException("host-ip: " + e.getMessage());
    }
  }

  /** Detaches every program jvs attaches for host-ip (idempotent). */
  static void detachAll(Path dir) {
    String what = "socket hooks on " + dir;
    try (Fd cgroup = Fd.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY)) {
      for (HostIpPrograms.Hook h : HostIpPrograms.hooks(new Ipv4(0))) {
        for (int id : BpfSyscall.progQuery(cgroup, h.attachType(), what)) {
          try (Fd prog = BpfSyscall.progFdById(id)) {
            BpfSyscall.progDetach(cgroup, prog, h.attachType(), what);
          }
        }
      }
    } catch (KernelException e) {
      throw new NetException("host-ip: " + e.getMessage());
    }
  }

  /** Ids of the socket-hook programs attached to a cgroup directory (for audits and tests). */
  static int attachedCount(Path dir) {
    int n = 0;
    try (Fd cgroup = Fd.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY)) {
      for (HostIpPrograms.Hook h : HostIpPrograms.hooks(new Ipv4(0))) {
        n += BpfSyscall.progQuery(cgroup, h.attachType(), "audit").length;
      }
    }
    return n;
  }
}
