package dev.jvs.bench;

import dev.jvs.base.Executables;
import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * jvs-lmprobe, the micro-benchmark probe: its C source ships in the jar and is built here with the
 * host's gcc, statically, so the very same binary runs natively, in a guest and under runc.
 */
final class LmProbe {
  /** Every row the probe prints, in the paper's table order. */
  static final List<String> ROWS =
      List.of(
          "null_syscall",
          "fork",
          "fork_exec",
          "fork_sh",
          "ctx_switch",
          "pipe_latency",
          "unix_latency",
          "pipe_bandwidth",
          "unix_bandwidth",
          "page_fault",
          "mmap",
          "file_0k_create",
          "file_0k_delete",
          "file_10k_create",
          "file_10k_delete",
          "signal_install",
          "signal_catch");

  /** The tests to ask for (file_0k and file_10k each print a create and a delete row). */
  static final List<String> TESTS =
      List.of(
          "null_syscall",
          "fork",
          "fork_exec",
          "fork_sh",
          "ctx_switch",
          "pipe_latency",
          "unix_latency",
          "pipe_bandwidth",
          "unix_bandwidth",
          "page_fault",
          "mmap",
          "file_0k",
          "file_10k",
          "signal_install",
          "signal_catch");

  private LmProbe() {}

  /** Compiles the probe into {@code dir}/jvs-lmprobe; throws naming gcc's first error. */
  static Path build(Path dir, HostCommands commands) {
    Path source = dir.resolve("jvs-lmprobe.c");
    Path binary = dir.resolve("jvs-lmprobe");
    try (InputStream in = LmProbe.class.getResourceAsStream("/dev/jvs/bench/paper/jvs-lmprobe.c")) {
      if (in == null) {
        throw new JvsException("jvs-lmprobe.c is missing from the jar");
      }
      Files.createDirectories(dir);
      Files.write(source, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(source + ": " + e.getMessage(), e);
    }
    String gcc =
        Executables.find("gcc")
            .orElseThrow(() -> new JvsException("micro: gcc is not installed (needed for probes)"))
            .toString();
    commands.check(
        List.of(gcc, "-static", "-O2", "-o", binary.toString(), source.toString()),
        Duration.ofSeconds(120));
    return binary;
  }

  /** Copies the probe into a root filesystem as /jvs-lmprobe, executable. */
  static void install(Path probe, Path rootfs) {
    Path target = rootfs.resolve("jvs-lmprobe");
    try {
      Files.copy(probe, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(target + ": " + e.getMessage(), e);
    }
  }

  /** What the disk test prints. */
  static final List<String> DISK_ROWS =
      List.of("disk_seq_write", "disk_seq_read", "disk_rand_read_4k", "disk_rand_write_4k");

  /** "TEST NANOS" lines into a map; throws naming {@code who} if one of {@code rows} is missing. */
  static Map<String, Double> parse(String who, String output, List<String> rows) {
    Map<String, Double> found = new LinkedHashMap<>();
    for (String line : output.lines().toList()) {
      String[] f = line.strip().split(" ");
      if (f.length == 2 && rows.contains(f[0])) {
        found.put(f[0], Double.parseDouble(f[1]));
      }
    }
    for (String row : rows) {
      if (!found.containsKey(row)) {
        throw new JvsException(
            who
                + ": jvs-lmprobe printed no "
                + row
                + " row: "
                + output.strip().lines().findFirst().orElse("(nothing)"));
      }
    }
    return found;
  }
}
