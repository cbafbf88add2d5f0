package dev.jvs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The 1-minute load average, so a reader can tell a quiet run from one on a busy machine. */
final class HostLoad {
  private HostLoad() {}

  static String oneMinute() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }
}
