package dev.jvs.oci;

import dev.jvs.kernel.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.BooleanSupplier;

/** The start FIFO: init blocks opening it for writing; {@code start} opens it for reading. */
final class Fifo {
  private static final long SYS_MKNODAT = 259;
  private static final long AT_FDCWD = -100;
  private static final int S_IFIFO = 0010000;
  private static final int O_NONBLOCK = 04000;
  private static final long RELEASE_TIMEOUT_NANOS = 10_000_000_000L;

  private Fifo() {}

  static void create(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      Libc.syscall(
              SYS_MKNODAT,
              AT_FDCWD,
              arena.allocateFrom(path.toString()).address(),
              S_IFIFO | 0622,
              0)
          .orThrow("mkfifo", path.toString());
    }
    try {
      // writable by any uid the container's init may have switched to (a user namespace's root)
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw--w--w-"));
    } catch (IOException e) {
      throw new OciException("chmod " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Lets the init go and returns once it has: opens for reading without blocking (a writer blocked
   * in open() proceeds at once), then waits for the writer to have opened and closed its end
   * (POLLHUP, which Linux reports only once a writer came after this open). The init reports `wait`
   * just before its open(), so a `start` arriving at once (the warm service) must not remove the
   * FIFO before that open, or the init finds no FIFO and fails.
   */
  static void release(Path path, BooleanSupplier initAlive) {
    int fd =
        (int)
            Libc.open(path.toString(), Libc.O_RDONLY | O_NONBLOCK | Libc.O_CLOEXEC, 0)
                .orThrow("open", path.toString());
    try {
      long deadline = System.nanoTime() + RELEASE_TIMEOUT_NANOS;
      while (!Libc.pollIn(fd, 50)) {
        if (!initAlive.getAsBoolean()) {
          throw new OciException("cannot start a container that has stopped");
        }
        if (System.nanoTime() > deadline) {
          throw new OciException("container init did not open " + path + " within 10 s");
        }
      }
    } finally {
      Libc.close(fd);
    }
  }
}
