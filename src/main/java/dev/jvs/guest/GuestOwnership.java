package dev.jvs.guest;

import dev.jvs.base.JvsException;
import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The host side of an unprivileged guest's files: its private layer's directories belong to its
 * root (the template is idmapped instead, docs/security.md), and whether a running guest has a user
 * namespace of its own.
 */
final class GuestOwnership {
  private GuestOwnership() {}

  /**
   * Gives the upper directory (itself: what is in it was written by the guest, already with its
   * ids) and overlayfs's scratch directory to the guest's root, so that it can mount its overlay.
   */
  static void prepare(GuestName name, GuestPlans.Layout layout, IdRange ids) {
    int id = Math.toIntExact(ids.base());
    try {
      for (Path p : List.of(layout.lower(), layout.upper(), layout.mountPoint(), layout.run())) {
        requireSearchable(name, p.getParent());
      }
      if (layout.disk() != null) {
        requireSearchable(name, layout.diskMount());
        return; // on the guest's image, with its own ids: its root owns them through the idmap
      }
      own(layout.upper(), id);
      try (Stream<Path> scratch = Files.walk(layout.work())) { // a few empty directories
        for (Path p : (Iterable<Path>) scratch::iterator) {
          own(p, id);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(layout.upper().getParent() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The guest's root mounts its layers from inside its user namespace, as an id with no rights on
   * the host's files: it must be able to pass through every directory above them.
   */
  private static void requireSearchable(GuestName name, Path dir) throws IOException {
    for (Path d = dir.toAbsolutePath(); d != null; d = d.getParent()) {
      if (!Files.getPosixFilePermissions(d).contains(PosixFilePermission.OTHERS_EXECUTE)) {
        throw new JvsException(
            name
                + ": "
                + d
                + ": an unprivileged guest's ids must be able to pass through this directory"
                + " (chmod o+x it, or set security.privileged=true)");
      }
    }
  }

  /** Gives the regular files directly in {@code dir} (if it exists) to the guest's root. */
  static void ownFilesIn(Path dir, IdRange ids) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          own(p, Math.toIntExact(ids.base()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
  }

  private static void own(Path p, int id) throws IOException {
    if (!Integer.valueOf(id).equals(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))
        || !Integer.valueOf(id)
            .equals(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS))) {
      Files.setAttribute(p, "unix:uid", id, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(p, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /**
   * The host ids of the root of the user namespace {@code pid} is in, as the kernel maps them (the
   * running guest's, whatever its config says now); null if it is gone or has no root mapped.
   */
  static Plan.PipeOwner rootOf(long pid) {
    OptionalLong uid = hostIdOfZero(Path.of("/proc/" + pid + "/uid_map"));
    OptionalLong gid = hostIdOfZero(Path.of("/proc/" + pid + "/gid_map"));
    return uid.isPresent() && gid.isPresent()
        ? new Plan.PipeOwner(uid.getAsLong(), gid.getAsLong())
        : null;
  }

  /** Id 0 through a uid_map or gid_map: lines of "INSIDE OUTSIDE COUNT". */
  private static OptionalLong hostIdOfZero(Path map) {
    try {
      for (String line : Files.readAllLines(map)) {
        String[] f = line.strip().split("\\s+");
        if (f.length == 3 && Long.parseLong(f[0]) == 0 && Long.parseLong(f[2]) > 0) {
          return OptionalLong.of(Long.parseLong(f[1]));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // gone: the exec fails on joining it anyway
    }
    return OptionalLong.empty();
  }

  /** Whether the process {@code pid} is in another user namespace than ours. */
  static boolean ownUserNamespace(long pid) {
    try {
      return !Namespace.USER.isOurs(pid);
    } catch (IOException e) {
      return false; // gone: the exec fails on joining it anyway
    }
  }
}
