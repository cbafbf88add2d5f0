package dev.jvs.kernel;

import java.nio.file.Path;

/**
 * An exclusive flock(2) on a file. Unlike FileChannel.lock it is per open file description, so
 * two threads of one JVM exclude each other as two processes do.
 */
public final class FileLock implements AutoCloseable {
  private final int fd;

  private FileLock(int fd) {
    this.fd = fd;
  }

  /** Blocks until the lock on {@code path} (created if missing) is held. */
  public static FileLock acquire(Path path) {
    int fd =
        (int)
            Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0600)
                .orThrow("open", path.toString());
    while (true) {
      Libc.Result r = Libc.flock(fd, Libc.LOCK_EX);
      if (!r.failed()) {
        return new FileLock(fd);
      }
      if (r.errno() != Errno.EINTR) {
        Libc.close(fd);
        throw new KernelException("flock", path.toString(), r.errno());
      }
    }
  }

  @Override
  public void close() {
    Libc.close(fd); // closing the last fd of the description releases the lock
  }
}
