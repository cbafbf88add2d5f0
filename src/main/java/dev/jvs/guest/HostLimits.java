package dev.jvs.guest;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Rlimits a guest asks for that this host cannot give: raising a hard limit needs CAP_SYS_RESOURCE,
 * which root may lack (DESIGN 3), and the kernel's EPERM would not say why.
 */
final class HostLimits {
  private static final int CAP_SYS_RESOURCE = 24;

  private HostLimits() {}

  static void checkMemlock(GuestName name, Map<String, String> resources) {
    OptionalLong wanted = GuestResources.memlock(resources);
    if (wanted.isEmpty() || hasEffectiveCap(CAP_SYS_RESOURCE)) {
      return;
    }
    long hard = hardLimit("Max locked memory");
    if (hard >= 0 && wanted.getAsLong() > hard) {
      throw new JvsException(
          name
              + ": memory.memlock: "
              + resources.get("memory.memlock")
              + " is above this host's hard RLIMIT_MEMLOCK ("
              + (hard >> 10)
              + "K) and jvs lacks"
              + " CAP_SYS_RESOURCE to raise it");
    }
  }

  /**
   * The per-user quotas guest root shares with host root that the kernel checks against an rlimit
   * of the process using them (docs/security.md, "Kernel quotas"): guests get half of what jvs
   * itself has, so all guests together can never take the whole of host root's. With them, the hard
   * limit of processes jvs has, under which an unprivileged guest's pids.max is its soft one.
   */
  static GuestPlans.SharedQuotas sharedQuotas() {
    return new GuestPlans.SharedQuotas(
        half(limit("Max msgqueue size", 0)),
        half(limit("Max pending signals", 0)),
        hardLimit("Max processes"));
  }

  private static long half(long limit) {
    return limit < 0 ? -1 : limit / 2; // unlimited stays unlimited: nothing to protect
  }

  /** The hard limit of a /proc/self/limits row in its unit, -1 when unlimited. */
  private static long hardLimit(String row) {
    return limit(row, 1);
  }

  /** Column {@code column} (0 soft, 1 hard) of a /proc/self/limits row, -1 when unlimited. */
  private static long limit(String row, int column) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith(row)) {
          String value = line.substring(row.length()).strip().split("\\s+")[column];
          return value.equals("unlimited") ? -1 : Long.parseLong(value);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return -1;
  }

  private static boolean hasEffectiveCap(int cap) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << cap)) != 0;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return false;
  }
}
