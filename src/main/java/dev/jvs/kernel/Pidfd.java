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

  /** The pidfd itself, for poll(2) over several. */
  public int fd() {
    return fd;
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
      // rounded up: rounded down, the last part of a millisecond was a poll(0) in a busy loop
      long left = Math.max(0, (deadline - System.nanoTime() + 999_999) / 1_000_000);
      if (Libc.pollIn(fd, (int) Math.min(left, Integer.MAX_VALUE))) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
    }
  }

  /**
   * Reaps the process, which must be this process's child, waiting for it unless {@code block} is
   * false; its exit code (128 + signal when killed), or empty when it still runs.
   */
  public java.util.OptionalInt reap(boolean block) {
    try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
      java.lang.foreign.MemorySegment info = arena.allocate(128, 8); // siginfo_t
      while (true) {
        Libc.Result r =
            Libc.syscall(
                SYS_WAITID, P_PIDFD, fd, info.address(), WEXITED | (block ? 0 : WNOHANG), 0);
        if (r.failed() && r.errno() == Errno.EINTR) {
          continue;
        }
        r.orThrow("waitid", "pid " + pid);
        int childPid = info.get(java.lang.foreign.ValueLayout.JAVA_INT, 16);
        if (childPid == 0) {
          return java.util.OptionalInt.empty(); // WNOHANG: still running
        }
        int code = info.get(java.lang.foreign.ValueLayout.JAVA_INT, 8);
        int status = info.get(java.lang.foreign.ValueLayout.JAVA_INT, 24);
        return java.util.OptionalInt.of(code == CLD_EXITED ? status : 128 + status);
      }
    }
  }

  private static final long SYS_WAITID = 247;
  private static final int P_PIDFD = 3;
  private static final int WEXITED = 4;
  private static final int WNOHANG = 1;
  private static final int CLD_EXITED = 1;

  @Override
  public void close() {
    Libc.close(fd);
  }
}
