package dev.jvs.net;

import dev.jvs.kernel.FileLock;
import dev.jvs.kernel.Sysctl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * IPv4 forwarding, which NAT and published ports need. jvs turns it on with its first bridge,
 * records the value it found in /run/jvs-net-ip_forward, and puts that value back when the last jvs
 * bridge (of any root) goes. The lock file /run/jvs-net-ip_forward.lock stays (empty).
 */
final class IpForward {
  private static final Path SYSCTL = Path.of("/proc/sys/net/ipv4/ip_forward");
  private static final Path RECORD = Path.of("/run/jvs-net-ip_forward");

  /** Serializes enable and restore across roots (each root's own lock does not). */
  private static final Path LOCK = Path.of("/run/jvs-net-ip_forward.lock");

  private IpForward() {}

  static void enable() {
    try (FileLock lock = FileLock.acquire(LOCK)) {
      String now = Sysctl.read(SYSCTL);
      if (!now.equals("1")) {
        if (!Files.exists(RECORD)) {
          Files.writeString(RECORD, now + "\n");
        }
        Files.writeString(SYSCTL, "1\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("ip_forward: " + e.getMessage(), e);
    }
  }

  /** Restores the recorded value when no jvs bridge is left; true if it did. */
  static boolean restoreIfLast() {
    if (!Files.exists(RECORD)) {
      return false;
    }
    try (FileLock lock = FileLock.acquire(LOCK)) {
      // a bridge created meanwhile enables forwarding only after this lock: no lost update
      if (!Files.exists(RECORD) || Links.anyJvsBridge()) {
        return false;
      }
      Files.writeString(SYSCTL, Files.readString(RECORD).strip() + "\n");
      Files.delete(RECORD);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("ip_forward: " + e.getMessage(), e);
    }
  }
}
