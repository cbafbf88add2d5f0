package dev.jvs.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * An exclusive flock(2) on a file. Unlike FileChannel.lock it is per open file description, so two
 * threads of one JVM exclude each other as two processes do. A holder may remove the file as it
 * lets go ({@link #removeOnCloseIf}); a locker that won the flock of a file removed meanwhile opens
 * the path again, so two holders never lock two different files of one name.
 */
public final class FileLock implements AutoCloseable {
  private final int fd;
  private final Path path;
  private BooleanSupplier remove = () -> false;

  private FileLock(int fd, Path path) {
    this.fd = fd;
    this.path = path;
  }

  /**
   * Waits up to {@code timeout} for the lock on {@code path}; empty when another holder kept it all
   * that time.
   */
  public static Optional<FileLock> acquire(Path path, Duration timeout) {
    return acquire(path, Optional.of(System.nanoTime() + timeout.toNanos()));
  }

  /** Blocks until the lock on {@code path} (created if missing) is held. */
  public static FileLock acquire(Path path) {
    return acquire(path, Optional.empty()).orElseThrow();
  }

  private static Optional<FileLock> acquire(Path path, Optional<Long> deadline) {
    while (true) {
      int fd = open(path);
      if (!waitFor(fd, path, deadline)) {
        Libc.close(fd);
        return Optional.empty();
      }
      if (stillNamed(fd, path)) {
        return Optional.of(new FileLock(fd, path));
      }
      Libc.close(fd);
    }
  }

  /** Takes the flock of {@code fd}: blocking without a deadline, polling until one with it. */
  private static boolean waitFor(int fd, Path path, Optional<Long> deadline) {
    int mode = deadline.isPresent() ? Libc.LOCK_EX | Libc.LOCK_NB : Libc.LOCK_EX;
    long pause = 1;
    while (true) {
      Libc.Result r = Libc.flock(fd, mode);
      if (!r.failed()) {
        return true;
      }
      if (r.errno() != Errno.EWOULDBLOCK && r.errno() != Errno.EINTR) {
        Libc.close(fd);
        throw new KernelException("flock", path.toString(), r.errno());
      }
      if (r.errno() == Errno.EINTR) {
        continue;
      }
      if (System.nanoTime() - deadline.orElseThrow() > 0) {
        return false;
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      pause = Math.min(50, pause * 2); // quick under short contention, cheap under long
    }
  }

  /** Whether the locked file is still the one {@code path} names (a holder may have removed it). */
  private static boolean stillNamed(int fd, Path path) {
    try {
      Object open = Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:ino");
      Object named = Files.getAttribute(path, "unix:ino");
      return Objects.equals(open, named);
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      Libc.close(fd);
      throw new UncheckedIOException(path + ": " + e.getMessage(), e);
    }
  }

  private static int open(Path path) {
    return (int)
        Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0600)
            .orThrow("open", path.toString());
  }

  /**
   * Removes the lock file on {@link #close}, still holding the lock, when {@code condition} holds
   * then (the locked object is gone), so none is left behind.
   */
  public FileLock removeOnCloseIf(BooleanSupplier condition) {
    remove = condition;
    return this;
  }

  @Override
  public void close() {
    if (remove.getAsBoolean()) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        // a lock file left behind costs an inode, never correctness
      }
    }
    Libc.close(fd); // closing the last fd of the description releases the lock
  }
}
