package dev.jvs.guest;

import dev.jvs.base.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Tells the service's first start after a boot from its restarts: the kernel's boot id against the
 * one recorded in $JVS_RUN (a tmpfs on real hosts, so a reboot empties it anyway).
 */
public final class BootId {
  static final Path KERNEL = Path.of("/proc/sys/kernel/random/boot_id");
  static final String FILE_NAME = "boot_id";

  private BootId() {}

  /**
   * Whether this is the first call since the host booted; records the boot first, so a service that
   * dies while starting guests does not start them again when it restarts.
   */
  public static boolean firstSinceBoot(JvsDirs dirs) {
    Path recorded = dirs.run().resolve(FILE_NAME);
    try {
      String now = Files.readString(KERNEL).strip();
      String before;
      try {
        before = Files.readString(recorded).strip();
      } catch (NoSuchFileException e) {
        before = "";
      }
      if (now.equals(before)) {
        return false;
      }
      Files.createDirectories(dirs.run());
      AtomicFiles.write(recorded, now + "\n");
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(recorded + ": " + e.getMessage(), e);
    }
  }
}
