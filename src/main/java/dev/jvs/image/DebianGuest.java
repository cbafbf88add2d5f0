package dev.jvs.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Collectors;

/**
 * What a debootstrapped Debian needs to boot sysvinit as a jvs system guest: no gettys (a guest has
 * no virtual consoles; they would respawn in a loop), and SIGPWR (`stop.signal`) or powerfail leads
 * to an orderly halt.
 */
final class DebianGuest {
  private DebianGuest() {}

  static void adjust(Path rootfs) throws IOException {
    Path inittab = rootfs.resolve("etc/inittab");
    if (Files.isRegularFile(inittab)) {
      String text =
          Files.readString(inittab)
              .lines()
              .map(l -> l.matches("^[0-9]+:[0-9]*:respawn:/sbin/getty.*") ? "#jvs: " + l : l)
              .map(l -> l.startsWith("pf::powerwait:") ? "pf::powerwait:/sbin/shutdown -h now" : l)
              .collect(Collectors.joining("\n", "", "\n"));
      replace(inittab, text);
    }
  }

  /** Writes a new file and renames it over the old (never edit a possibly hard-linked file). */
  static void replace(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".jvs-new");
    Files.writeString(tmp, text);
    Files.setAttribute(tmp, "unix:mode", (Integer) Files.getAttribute(file, "unix:mode") & 07777);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
