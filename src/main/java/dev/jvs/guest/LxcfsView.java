package dev.jvs.guest;

import dev.jvs.runtime.Plan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The guest-local view of its own limits (docs/resources.md, "Guest-local views"): the files an
 * lxcfs instance serves from the reader's cgroup, bind-mounted over the guest's /proc and /sys
 * files so that free, top, nproc and uptime inside report the guest's figures. jvs uses its own
 * instance at $JVS_RUN/lxcfs (started by `jvs serve`); without a live one, guests keep the
 * host-wide figures.
 */
public final class LxcfsView {
  static final List<String> FILES =
      List.of(
          "/proc/cpuinfo",
          "/proc/diskstats",
          "/proc/loadavg",
          "/proc/meminfo",
          "/proc/stat",
          "/proc/swaps",
          "/proc/uptime",
          "/sys/devices/system/cpu");

  private LxcfsView() {}

  /** The jvs-owned lxcfs mount point of a JVS_RUN. */
  public static Path mountPoint(Path run) {
    return run.resolve("lxcfs");
  }

  /** Whether an lxcfs instance answers there (a dead FUSE mount fails with ENOTCONN). */
  public static boolean live(Path mount) {
    return Files.isReadable(mount.resolve("proc/meminfo"))
        && Files.isDirectory(mount.resolve("sys/devices/system/cpu"));
  }

  /** Bind mounts of lxcfs's files over the guest's; none if lxcfs is not live. */
  static List<Plan.Mount> mounts(Path mount) {
    if (mount == null || !live(mount)) {
      return List.of();
    }
    return FILES.stream()
        .map(f -> Plan.Mount.bind(mount + f, f, 0, Plan.Target.EXISTING).ifPresent())
        .toList();
  }
}
