package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import dev.jvs.image.Trees;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where the criu jvs builds keeps its probe of the kernel (criu.kdat, ~40 ms a run saved):
 * tools/criu/criu.sh builds it with this directory as its RUNDIR, since criu keeps the file only on
 * a tmpfs (a reboot clears it) and /run is none on some hosts. /dev/shm is writable by every user,
 * and criu, as root, trusts what it reads there: so before criu runs, the directory must be root's,
 * and writable by root alone. A stranger's entry in its place is removed (root may, in the sticky
 * /dev/shm) and the directory made anew; once it is root's, no other user can replace it.
 */
final class KerndatCache {
  static final Path DIR = Path.of("/dev/shm/jvs-criu");

  private static final Set<PosixFilePermission> OTHERS_WRITE =
      Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

  private KerndatCache() {}

  /** Makes {@link #DIR} root's own, or fails naming it: criu must not run on a stranger's cache. */
  static void secure(String who) {
    secure(who, DIR);
  }

  static void secure(String who, Path dir) {
    try {
      for (int attempt = 0; attempt < 3; attempt++) {
        try {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(rootOnly()));
        } catch (FileAlreadyExistsException e) {
          // below: whose it is
        } catch (IOException e) {
          if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return; // no /dev/shm, or a read-only one: criu keeps no cache there, nor reads one
          }
        }
        if (isRootsOwn(dir)) {
          return;
        }
        Trees.deleteIfExists(dir); // a symbolic link goes itself, not what it names
      }
    } catch (IOException | RuntimeException e) {
      throw new JvsException(who + ": criu's cache " + dir + ": " + e.getMessage(), e);
    }
    throw new JvsException(
        who + ": criu's cache " + dir + " keeps being made by another user; criu will not read it");
  }

  private static boolean isRootsOwn(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    return uid == 0 && perms.stream().noneMatch(OTHERS_WRITE::contains);
  }

  private static Set<PosixFilePermission> rootOnly() {
    return PosixFilePermissions.fromString("rwx------");
  }
}
