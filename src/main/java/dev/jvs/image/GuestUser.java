package dev.jvs.image;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An image's User resolved against the template's own /etc/passwd and /etc/group (never the
 * host's): "uid", "uid:gid", "name" or "name:group".
 */
public record GuestUser(long uid, long gid) {
  public static final GuestUser ROOT = new GuestUser(0, 0);

  public static GuestUser resolve(String user, Path rootfs) {
    if (user.isBlank()) {
      return ROOT;
    }
    String[] parts = user.split(":", 2);
    long uid;
    Long gid = null;
    if (parts[0].matches("\\d+")) {
      uid = Long.parseLong(parts[0]);
      Optional<String[]> entry = lookup(rootfs, "etc/passwd", 2, parts[0]);
      gid = entry.map(e -> Long.parseLong(e[3])).orElse(null);
    } else {
      String[] e =
          lookup(rootfs, "etc/passwd", 0, parts[0])
              .orElseThrow(
                  () ->
                      new JvsException(
                          "image user '"
                              + user
                              + "': no such user in the"
                              + " template's /etc/passwd"));
      uid = Long.parseLong(e[2]);
      gid = Long.parseLong(e[3]);
    }
    if (parts.length == 2) {
      if (parts[1].matches("\\d+")) {
        gid = Long.parseLong(parts[1]);
      } else {
        gid =
            Long.parseLong(
                lookup(rootfs, "etc/group", 0, parts[1])
                    .orElseThrow(
                        () ->
                            new JvsException(
                                "image user '"
                                    + user
                                    + "': no such group in the"
                                    + " template's /etc/group"))[2]);
      }
    }
    return new GuestUser(uid, gid == null ? uid : gid);
  }

  /**
   * Whether {@code name} is a regular file reached from {@code rootfs} through directories only: a
   * template's "etc" (or its passwd) may be a symlink to the host's, which must not be read.
   */
  private static boolean isInTemplate(Path rootfs, String name) {
    Path p = rootfs;
    for (String part : name.split("/")) {
      p = p.resolve(part);
      if (Files.isSymbolicLink(p)) {
        return false;
      }
    }
    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
  }

  private static Optional<String[]> lookup(Path rootfs, String name, int field, String value) {
    Path file = rootfs.resolve(name);
    if (!isInTemplate(rootfs, name)) {
      return Optional.empty();
    }
    try {
      List<String> lines = Files.readAllLines(file);
      return lines.stream()
          .map(l -> l.split(":", -1))
          .filter(f -> f.length > 3 && f[field].equals(value))
          .findFirst();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
