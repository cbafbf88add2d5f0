package dev.jvs.guest;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * Moves the owners of a private layer from one guest's id range to another's (`jvs clone` of an
 * unprivileged guest): what the source's ids owned, the clone's ids own; other owners (host root,
 * who wrote files there from the host) stay. Links are changed themselves, never followed.
 */
final class IdShift {
  private static final int SETUID_SETGID = 06000;

  private IdShift() {}

  static void shift(Path tree, IdRange from, IdRange to) throws IOException {
    shift(tree, from, to.base());
  }

  /**
   * Moves what {@code from} owned to the guest's own ids (0..65535): how a disk.space image holds
   * them, seen through an idmapped mount (docs/security.md).
   */
  static void toGuestIds(Path tree, IdRange from) throws IOException {
    shift(tree, from, 0);
  }

  private static void shift(Path tree, IdRange from, long toBase) throws IOException {
    if (!Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        tree,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            move(dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            move(file);
            return FileVisitResult.CONTINUE;
          }

          private void move(Path p) throws IOException {
            Map<String, Object> a =
                Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
            long uid = Integer.toUnsignedLong((Integer) a.get("uid"));
            long gid = Integer.toUnsignedLong((Integer) a.get("gid"));
            int mode = (Integer) a.get("mode");
            boolean u = uid >= from.base() && uid < from.end();
            boolean g = gid >= from.base() && gid < from.end();
            if (u) {
              Files.setAttribute(
                  p, "unix:uid", (int) (uid - from.base() + toBase), LinkOption.NOFOLLOW_LINKS);
            }
            if (g) {
              Files.setAttribute(
                  p, "unix:gid", (int) (gid - from.base() + toBase), LinkOption.NOFOLLOW_LINKS);
            }
            // chown clears setuid and setgid: a guest's own setuid programs keep them
            if ((u || g) && (mode & SETUID_SETGID) != 0 && !Files.isSymbolicLink(p)) {
              Files.setAttribute(p, "unix:mode", mode & 07777, LinkOption.NOFOLLOW_LINKS);
            }
          }
        });
  }
}
