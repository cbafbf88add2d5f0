package dev.jvs.net;

import dev.jvs.cgroup.BpfSyscall;
import dev.jvs.cgroup.CgroupMounts;
import dev.jvs.cgroup.Fd;
import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Libc;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Published ports on the host's ::1 (IPv6 has no route_localnet, so DNAT cannot serve it): the
 * guest's {@link LoopbackIpv6Programs} attached to the root of the cgroup2 hierarchy, where every
 * host socket meets them. Each program is named after the guest's host-side veth (the jvs prefix,
 * the root and the guest), so stop and gc find them without any state.
 */
final class LoopbackIpv6Publish {
  private static final System.Logger LOG = System.getLogger(LoopbackIpv6Publish.class.getName());
  private static final long SYS_GETSOCKOPT = 55;
  private static final int SOL_SOCKET = 1;
  private static final int SO_NETNS_COOKIE = 71;
  private static final int AF_INET = 2;
  private static final int SOCK_DGRAM = 2;

  private final Optional<Path> cgroup2;

  LoopbackIpv6Publish(Optional<Path> cgroup2) {
    this.cgroup2 = cgroup2;
  }

  /** Where the host's cgroup2 hierarchy is mounted (its root holds the hooks), if anywhere. */
  static LoopbackIpv6Publish onHost() {
    return new LoopbackIpv6Publish(CgroupMounts.probe().cgroup2Mount());
  }

  /**
   * Attaches the guest's hooks. Without a cgroup2 mount, or where the kernel refuses the hooks (a
   * host that forbids cgroup BPF, a root cgroup holding an exclusive program), the ports answer on
   * every address but ::1, which is logged: the guest still starts.
   */
  void attach(String name, String guestIp6, List<PortMapping> publish) {
    if (publish.isEmpty() || cgroup2.isEmpty()) {
      return;
    }
    String what = "published ports on ::1 (hooks on " + cgroup2.get() + ")";
    try (Fd root = open()) {
      long cookie = hostNetnsCookie();
      for (LoopbackIpv6Programs.Hook h : LoopbackIpv6Programs.hooks(cookie, guestIp6, publish)) {
        try (Fd prog =
            BpfSyscall.progLoad(
                HostIpPrograms.PROG_TYPE_CGROUP_SOCK_ADDR, h.attachType(), h.code(), name)) {
          BpfSyscall.progAttach(root, prog, h.attachType(), BpfSyscall.F_ALLOW_MULTI, what);
        }
      }
    } catch (KernelException e) {
      detach(name);
      LOG.log(Level.WARNING, "net.publish: not on ::1: " + e.getMessage());
    }
  }

  /** Detaches the programs called {@code name} (idempotent). */
  void detach(String name) {
    detachWhere(name::equals);
  }

  /**
   * Detaches the programs whose name matches; returns their names. Programs of other owners on the
   * root (systemd's, another tool's) are only looked at.
   */
  List<String> detachWhere(Predicate<String> names) {
    List<String> removed = new ArrayList<>();
    if (cgroup2.isEmpty()) {
      return removed;
    }
    String what = "published ports on ::1 (hooks on " + cgroup2.get() + ")";
    try (Fd root = open()) {
      for (int type : LoopbackIpv6Programs.ATTACH_TYPES) {
        for (int id : query(root, type, what)) {
          try (Fd prog = BpfSyscall.progFdById(id)) {
            String name = BpfSyscall.progName(prog);
            if (names.test(name)) {
              BpfSyscall.progDetach(root, prog, type, what);
              removed.add(name);
            }
          } catch (KernelException e) {
            // detached by someone else meanwhile (ENOENT): nothing left to do
          }
        }
      }
    } catch (KernelException e) {
      throw new NetException("net.publish: " + e.getMessage());
    }
    return removed;
  }

  /**
   * The programs attached for one hook; none where bpf(2) may not even look (then none of jvs's can
   * have been attached), so that stopping a guest never fails on a host without cgroup BPF.
   */
  private static int[] query(Fd root, int type, String what) {
    try {
      return BpfSyscall.progQuery(root, type, what);
    } catch (KernelException e) {
      return new int[0];
    }
  }

  private Fd open() {
    return Fd.open(cgroup2.get().toString(), Libc.O_RDONLY | Libc.O_DIRECTORY);
  }

  /** The cookie of this process's network namespace, the host's (SO_NETNS_COOKIE). */
  static long hostNetnsCookie() {
    long fd = Libc.socket(AF_INET, SOCK_DGRAM | Libc.O_CLOEXEC, 0).orThrow("socket", "AF_INET");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
      MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
      length.set(ValueLayout.JAVA_INT, 0, 8);
      Libc.syscall(
              SYS_GETSOCKOPT, fd, SOL_SOCKET, SO_NETNS_COOKIE, value.address(), length.address())
          .orThrow("getsockopt(SO_NETNS_COOKIE)", "the host's network namespace");
      return value.get(ValueLayout.JAVA_LONG, 0);
    } finally {
      Libc.close((int) fd);
    }
  }
}
