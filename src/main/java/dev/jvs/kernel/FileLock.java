package dev.jvs.kernel;

import java.nio.file.Path;

/**
 * An exclusive flock(2) on a file. Unlike FileChannel.lock it is per open file description, so two
 * threads of one JVM exclude each other as two processes do.
 */
public final class FileLock implements AutoCloseable {
  private final int fd;

  private FileLock(int fd) {
    this.fd = fd;
  }

  /**
   * Waits up to {@code timeout} for the lock on {@code path}; empty when another holder kept it all
   * that time.
   */
  public static java.util.Optional<FileLock> acquire(Path path, java.time.Duration timeout) {
    int fd = open(path);
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 1;
    while (true) {
      Libc.Result r = Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB);
      if (!r.failed()) {
        return java.util.Optional.of(new FileLock(fd));
      }
      if (r.errno() != Errno.EWOULDBLOCK && r.errno() != Errno.EINTR) {
        Libc.close(fd);
        throw new KernelException("flock", path.toString(), r.errno());
      }
      if (System.nanoTime() > deadline) {
        Libc.close(fd);
        return java.util.Optional.empty();
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Libc.close(fd);
        Thread.currentThread().interrupt();
        return java.util.Optional.empty();
      }
      pause = Math.min(50, pause * 2); // quick under short contention, cheap under long
    }
  }

  private static int open(Path path) {
    return (int)
        Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0600)
            .orThrow("open", path.toString());
  }

  /** Blocks until the lock on {@code path} (created if missing) is held. */
  public static FileLock acquire(Path path) {
    int fd = open(path);
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
