package dev.jvs.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What an attack from a guest would change on the host, read from the host side: kernel settings a
 * guest must not write, the guest's own cgroup limits, the host's hostname, the runtime binary, a
 * directory of host files, and every place a marker string could land (the host's mount table,
 * keyrings, kernel log). Two snapshots taken around an attack must be equal; other helpers' guests
 * may mount, load modules or change ip_forward meanwhile, so only what nothing else touches is
 * compared. The wall clock is kept apart ({@link #clockOffset}), compared with a tolerance.
 */
record HostState(Map<String, String> values) {

  /** Host files whose content a guest must not change. */
  static final List<Path> SETTINGS =
      Stream.of(
              "/proc/sys/kernel/core_pattern",
              "/proc/sys/kernel/modprobe",
              "/proc/sys/kernel/hostname",
              "/proc/sys/kernel/domainname",
              "/proc/sys/kernel/sysrq",
              "/proc/sys/kernel/randomize_va_space",
              "/proc/sys/kernel/panic_on_oops",
              "/proc/sys/kernel/kptr_restrict",
              "/proc/sys/kernel/dmesg_restrict",
              "/proc/sys/fs/inotify/max_user_instances",
              "/proc/sys/vm/overcommit_memory",
              "/sys/kernel/uevent_helper")
          .map(Path::of)
          .filter(Files::exists)
          .toList();

  /** Limits of the guest's cgroups (v1 and v2 names) and v1's release notification. */
  private static final List<String> CGROUP_FILES =
      List.of(
          "memory.max",
          "pids.max",
          "memory.limit_in_bytes",
          "memory.memsw.limit_in_bytes",
          "cpu.max",
          "cpu.cfs_quota_us",
          "notify_on_release");

  /**
   * Takes a snapshot. {@code marker}: looked for in the host's mount table, /proc/keys and the
   * kernel log; {@code hostFiles}: a host directory whose listing and contents are recorded; {@code
   * runtime}: the host binary jvs runs inside guests; {@code cgroups}: the guest's cgroup
   * directories on the host (one per v1 hierarchy), whose limits are recorded.
   */
  static HostState take(String marker, Path hostFiles, Path runtime, List<Path> cgroups) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Path p : SETTINGS) {
      v.put(p.toString(), setting(p));
    }
    for (Path cgroup : cgroups) {
      for (String limit : CGROUP_FILES) {
        Path p = cgroup.resolve(limit);
        if (Files.exists(p)) {
          v.put(p.toString(), setting(p));
        }
      }
    }
    try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path agent : hierarchies.map(h -> h.resolve("release_agent")).toList()) {
        if (Files.exists(agent)) {
          v.put(agent.toString(), setting(agent)); // cgroup v1: run by the host on release
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    v.put("host mounts with the marker", grep(lines(Path.of("/proc/self/mountinfo")), marker));
    v.put("host keys with the marker", grep(lines(Path.of("/proc/keys")), marker));
    List<String> log = kernelLog();
    v.put("kernel log lines with the marker", grep(log, marker));
    v.put(
        "kernel log sysrq lines",
        Long.toString(log.stream().filter(l -> l.contains("sysrq")).count()));
    v.put("host files", tree(hostFiles));
    v.put("runtime sha256", sha256(runtime));
    return new HostState(v);
  }

  /** CLOCK_REALTIME minus CLOCK_MONOTONIC: changes only when someone sets the clock. */
  static Duration clockOffset() {
    long mono = System.nanoTime();
    Instant now = Instant.now();
    return Duration.between(Instant.EPOCH, now).minusNanos(mono);
  }

  /** Writes back the settings that differ from {@code before} (an attack that got through). */
  void restore(HostState before) {
    for (Path p : SETTINGS) {
      String was = before.values.get(p.toString());
      if (was != null && !was.equals(values.get(p.toString()))) {
        try {
          Files.writeString(p, was.isEmpty() ? "\n" : was);
        } catch (IOException e) {
          // reported by the failed comparison
        }
      }
    }
  }

  /** One line per differing entry: "KEY: BEFORE -> AFTER". */
  List<String> differences(HostState after) {
    List<String> d = new ArrayList<>();
    for (var e : values.entrySet()) {
      String now = after.values.get(e.getKey());
      if (!e.getValue().equals(now)) {
        d.add(e.getKey() + ": " + e.getValue() + " -> " + now);
      }
    }
    return d;
  }

  private static String setting(Path p) {
    // A sysctl file gives its value in one read from offset 0; a line at a time reads it all.
    return String.join("\n", lines(p));
  }

  private static List<String> lines(Path p) {
    try {
      return Files.readAllLines(p, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return List.of("unreadable: " + e.getMessage());
    }
  }

  private static String grep(List<String> lines, String marker) {
    return String.join("\n", lines.stream().filter(l -> l.contains(marker)).toList());
  }

  private static List<String> kernelLog() {
    try {
      Process p = new ProcessBuilder("dmesg").redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out.lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String tree(Path dir) {
    if (!Files.exists(dir)) {
      return "absent";
    }
    try (Stream<Path> s = Files.walk(dir)) {
      StringBuilder out = new StringBuilder();
      for (Path p : s.sorted().toList()) {
        out.append(dir.relativize(p));
        if (Files.isSymbolicLink(p)) {
          out.append(" -> ").append(Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p)) {
          out.append(" = ").append(sha256(p));
        }
        out.append('\n');
      }
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
