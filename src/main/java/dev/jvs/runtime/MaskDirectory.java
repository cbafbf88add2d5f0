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
import java.util.stream.Stream;

/**
 * The empty directory every masked directory of a guest or container shows, through a read-only
 * bind. Not an empty tmpfs, which is a superblock per container (and a slot in every memory
 * cgroup's shrinker map of the host) that criu dumps with a tar and gzip run and restores with
 * another (14-30 ms each here, both while the tree is down). criu takes a bind of a host directory
 * for an external mount and binds the same path again at a restore, so the path is the same on
 * every host. It is root's, has no write bit, and is empty, or it is made anew.
 */
public final class MaskDirectory {
  public static final Path PATH = Path.of("/run/jvs-empty");

  private static final Set<PosixFilePermission> READ_AND_SEARCH =
      PosixFilePermissions.fromString("r-xr-xr-x");
  private static final Set<PosixFilePermission> WRITE =
      Set.of(
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_WRITE);

  private MaskDirectory() {}

  /** {@link #PATH}, made or remade as it must be; fails in one line naming it. */
  public static Path ensure() {
    return ensure(PATH);
  }

  static Path ensure(Path dir) {
    try {
      for (int attempt = 0; attempt < 3; attempt++) {
        if (isAsItMustBe(dir)) {
          return dir;
        }
        Trees.deleteIfExists(dir); // a symbolic link goes itself, not what it names
        try {
          // born without a write bit (the umask only takes bits away): never writable, even
          // while another start looks at it
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(READ_AND_SEARCH));
        } catch (FileAlreadyExistsException e) {
          // another start made it meanwhile: checked again above
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new JvsException("the masks' empty directory " + dir + ": " + e.getMessage(), e);
    }
    throw new JvsException(
        "the masks' empty directory " + dir + " keeps being changed by someone else");
  }

  private static boolean isAsItMustBe(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    if ((Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS) != 0
        || Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).stream()
            .anyMatch(WRITE::contains)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}
