package dev.jvs.sched;

import dev.jvs.cgroup.Hierarchies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory the watchdog guards. In production the host's ({@link Host}: /proc/meminfo); tests and
 * cautious operators use a parent memory cgroup with a limit ({@link CgroupScoped}), so that
 * overbooking experiments run inside a budget and can never endanger the host.
 */
public sealed interface MemoryBudget permits MemoryBudget.Host, MemoryBudget.CgroupScoped {
  /** Bytes that can still be allocated without reclaiming or killing. */
  long availableBytes();

  /** Bytes in the whole budget. */
  long totalBytes();

  String describe();

  /** The host: MemAvailable and MemTotal of /proc/meminfo. */
  record Host(Path meminfo) implements MemoryBudget {
    public Host() {
      this(Path.of("/proc/meminfo"));
    }

    @Override
    public long availableBytes() {
      return field("MemAvailable:");
    }

    @Override
    public long totalBytes() {
      return field("MemTotal:");
    }

    @Override
    public String describe() {
      return "host memory (" + meminfo + " MemAvailable)";
    }

    private long field(String name) {
      try {
        for (String line : Files.readAllLines(meminfo)) {
          if (line.startsWith(name)) {
            return Long.parseLong(line.substring(name.length()).strip().split("\\s+")[0]) * 1024;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new IllegalStateException(meminfo + ": no " + name);
    }
  }

  /** A memory cgroup with a limit (its directory): available = limit − usage. */
  record CgroupScoped(Path dir) implements MemoryBudget {
    @Override
    public long availableBytes() {
      return totalBytes() - Hierarchies.memoryUsageBytes(dir);
    }

    @Override
    public long totalBytes() {
      return Hierarchies.memoryLimitBytes(dir);
    }

    @Override
    public String describe() {
      return "memory cgroup " + dir;
    }
  }
}
