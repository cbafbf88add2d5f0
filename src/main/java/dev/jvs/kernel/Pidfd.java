package dev.jvs.kernel;

/**
 * A process held by pidfd, so a recycled pid is never signalled (DESIGN 2c). Close it with
 * try-with-resources.
 */
public final class Pidfd implements AutoCloseable {
  private final int fd;
  private final long pid;

  private Pidfd(int fd, long pid) {
    this.fd = fd;
    this.pid = pid;
  }

  /** Opens a pidfd for {@code pid}; empty when the process no longer exists. */
  public static java.util.Optional<Pidfd> open(long pid) {
    Libc.Result r = Libc.syscall(Libc.SYS_PIDFD_OPEN, pid, 0);
    if (r.failed()) {
      if (r.errno() == Errno.ESRCH) {
        return java.util.Optional.empty();
      }
      throw new KernelException("pidfd_open", "pid " + pid, r.errno());
    }
    return java.util.Optional.of(new Pidfd((int) r.value(), pid));
  }

  public long pid() {
    return pid;
  }

  /** Sends {@code signal}; returns false when the process has already exited. */
  public boolean signal(int signal) {
    Libc.Result r = Libc.syscall(Libc.SYS_PIDFD_SEND_SIGNAL, fd, signal, 0, 0);
    if (r.failed()) {
      if (r.errno() == Errno.ESRCH) {
        return false;
      }
      throw new KernelException("pidfd_send_signal", "pid " + pid, r.errno());
    }
    return true;
  }

  /** Waits up to {@code timeoutMillis} for the process to exit; true when it has. */
  public boolean awaitExit(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (true) {
      long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
      if (Libc.pollIn(fd, (int) Math.min(left, Integer.MAX_VALUE))) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
    }
  }

  @Override
  public void close() {
    Libc.close(fd);
  }
}
