package dev.jvs.view;

import dev.jvs.kernel.KernelFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What /proc/PID says about one process; empty when it exited meanwhile. */
record ProcFiles(
    long vszBytes, long rssBytes, char state, long cpuTicks, long guestPid, String command) {
  private static final long PAGE = 4096;

  /** A process's virtual and resident size in bytes, from statm alone; empty once it exited. */
  record Sizes(long vszBytes, long rssBytes) {}

  static Optional<Sizes> sizes(long pid) {
    try {
      String text = KernelFiles.readIfExists(Path.of("/proc", Long.toString(pid), "statm"));
      if (text == null) {
        return Optional.empty();
      }
      String[] statm = text.split(" ");
      return Optional.of(
          new Sizes(Long.parseLong(statm[0]) * PAGE, Long.parseLong(statm[1].strip()) * PAGE));
    } catch (RuntimeException e) { // ESRCH while read, or a malformed line: it exited
      return Optional.empty();
    }
  }

  static Optional<ProcFiles> read(long pid) {
    Path dir = Path.of("/proc", Long.toString(pid));
    try {
      String[] statm = Files.readString(dir.resolve("statm")).strip().split("\\s+");
      String stat = Files.readString(dir.resolve("stat"));
      // Fields after the command name, which is in parentheses and may contain anything.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      long nspid = pid;
      for (String line : Files.readAllLines(dir.resolve("status"))) {
        if (line.startsWith("NSpid:")) {
          String[] ids = line.substring(6).strip().split("\\s+");
          nspid = Long.parseLong(ids[ids.length - 1]);
        }
      }
      String cmd =
          new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8)
              .replace('\0', ' ')
              .strip();
      if (cmd.isEmpty()) {
        cmd = "[" + stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')) + "]";
      }
      return Optional.of(
          new ProcFiles(
              Long.parseLong(statm[0]) * PAGE,
              Long.parseLong(statm[1]) * PAGE,
              f[0].charAt(0),
              ticks,
              nspid,
              cmd));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
