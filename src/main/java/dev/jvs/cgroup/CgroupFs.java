package dev.jvs.cgroup;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The file operations the drivers perform on a cgroup filesystem: the seam that lets unit tests run
 * a driver against a fake tree in a temporary directory (where mkdir must create the control files
 * the kernel would, and rmdir must delete them).
 */
interface CgroupFs {
  /** The whole file; throws CgroupException naming it. */
  String read(Path file);

  /** The whole file, or empty when it does not exist (an optional kernel feature). */
  Optional<String> readIfExists(Path file);

  /** One write(2) of {@code value}; throws CgroupException naming the file and the value. */
  void write(Path file, String value);

  boolean exists(Path path);

  /** mkdir(2); true when created, false when it already existed. */
  boolean mkdir(Path dir);

  /** rmdir(2); returns 0 or the errno (ENOENT included) so callers decide what to ignore. */
  int rmdir(Path dir);

  /** The child directories (child cgroups), sorted; empty when {@code dir} does not exist. */
  List<Path> subdirs(Path dir);

  /** Whether {@code dir} has child directories; false when it does not exist. */
  default boolean hasSubdirs(Path dir) {
    return !subdirs(dir).isEmpty();
  }
}
