package dev.jvs.guest;

import dev.jvs.kernel.Sysctl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Per-user kernel quotas that guest root shares with host root while guests run without a user
 * namespace of their own (docs/security.md, "Kernel quotas"). The kernel counts inotify instances
 * and watches per user, so one guest could take host root's whole default of 128 instances. Before
 * a start jvs raises these two limits (never lowers them) to the values Incus recommends for
 * container hosts; what then bounds a guest is the kernel memory each instance costs, charged to
 * the guest's memory cgroup. Keys and user namespaces are refused by the seccomp profile, POSIX
 * mqueue bytes by the guest's RLIMIT_MSGQUEUE (GuestPlans).
 */
final class RootQuotas {
  static final long FLOOR = 1_048_576;
  private static final List<Path> SYSCTLS =
      List.of(
          Path.of("/proc/sys/fs/inotify/max_user_instances"),
          Path.of("/proc/sys/fs/inotify/max_user_watches"));

  private RootQuotas() {}

  /** Raises each quota below {@link #FLOOR} to it; a host that refuses keeps its value. */
  static void raise() {
    for (Path sysctl : SYSCTLS) {
      try {
        if (Sysctl.readLong(sysctl) < FLOOR) {
          Files.writeString(sysctl, Long.toString(FLOOR));
        }
      } catch (IOException e) {
        // a read-only /proc/sys (jvs itself in a container): the quota stays as the host set it
      }
    }
  }
}
