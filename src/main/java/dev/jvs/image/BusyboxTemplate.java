package dev.jvs.image;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The built-in offline template: the host's static busybox (Debian's busybox-static) with its
 * applet links and just enough /etc for a system guest whose PID 1 is busybox init.
 */
public final class BusyboxTemplate {
  public static final String NAME = "busybox";
  private static final List<Path> CANDIDATES =
      List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));

  private static final String INITTAB =
      """
      # busybox init for a jvs system guest: run rcS, then wait; no gettys.
      ::sysinit:/etc/init.d/rcS
      ::shutdown:/bin/sync
      """;
  private static final String RCS =
      """
      #!/bin/sh
      # Boot script of a jvs busybox guest. The shell's own read, not $(hostname): no fork and
      # exec in every guest's boot.
      read -r host < /proc/sys/kernel/hostname
      echo "jvs guest $host up"
      """;

  private BusyboxTemplate() {}

  /** Builds the template's rootfs into {@code rootfs} (which must not exist yet). */
  public static void build(Path rootfs) {
    Path busybox =
        CANDIDATES.stream()
            .filter(Files::isExecutable)
            .findFirst()
            .orElseThrow(
                () ->
                    new JvsException(
                        "template busybox: /bin/busybox not found (install Debian's busybox-static)"));
    try {
      for (String dir :
          List.of(
              "bin",
              "sbin",
              "usr/bin",
              "usr/sbin",
              "etc/init.d",
              "root",
              "proc",
              "sys",
              "dev",
              "run",
              "var/log",
              "home")) {
        Files.createDirectories(rootfs.resolve(dir));
      }
      Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
      Files.setAttribute(tmp, "unix:mode", 01777);
      Files.copy(busybox, rootfs.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
      for (String applet : applets(busybox)) {
        Path link = rootfs.resolve(applet);
        if (!applet.equals("bin/busybox")
            && Files.notExists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(link.getParent());
          Files.createSymbolicLink(link, Path.of("/bin/busybox"));
        }
      }
      write(
          rootfs.resolve("etc/passwd"),
          "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
      write(rootfs.resolve("etc/group"), "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
      write(rootfs.resolve("etc/inittab"), INITTAB);
      write(rootfs.resolve("etc/init.d/rcS"), RCS);
      Files.setPosixFilePermissions(
          rootfs.resolve("etc/init.d/rcS"), PosixFilePermissions.fromString("rwxr-xr-x"));
      write(rootfs.resolve("etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n");
    } catch (IOException e) {
      throw new UncheckedIOException("template busybox: " + e.getMessage(), e);
    }
  }

  private static List<String> applets(Path busybox) throws IOException {
    Process p =
        new ProcessBuilder(busybox.toString(), "--list-full").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new JvsException("template busybox: `busybox --list-full` failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException("template busybox: interrupted");
    }
    return out.lines().filter(l -> !l.isBlank() && !l.contains("..")).toList();
  }

  private static void write(Path file, String content) throws IOException {
    Files.writeString(file, content);
  }
}
