package dev.jvs.launch;

import dev.jvs.kernel.FdPassing;
import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Pidfd;
import dev.jvs.kernel.Signal;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A jvs-init that a running guest's monitor forked for an exec, on the stdio this process handed it
 * (the monitor's `exec-socket`, docs/launch-program.md): born in the guest monitor's Landlock
 * domain, its child of the guest's monitor and not of this process, so it is held by pidfd and its
 * child's exit is learnt from the control protocol.
 */
final class ServedMonitor implements Monitor {
  /** The status of a monitor that ended without reporting its child's exit. */
  private static final int UNKNOWN = 1;

  private final long pid;
  private final Pidfd pidfd;

  private ServedMonitor(long pid, Pidfd pidfd) {
    this.pid = pid;
    this.pidfd = pidfd;
  }

  /** Monitors forked by the guest monitor listening on {@code execSocket}. */
  static Monitor.Starter starter(Path execSocket) {
    return (socket, stdio) -> {
      String reply;
      try (StdioFds fds = StdioFds.open(stdio)) {
        reply = FdPassing.exchange(execSocket, socket.toString(), fds.numbers());
      } catch (KernelException e) {
        throw new LaunchException("the guest's monitor: " + e.getMessage());
      }
      long pid = reply.startsWith("pid ") ? Long.parseLong(reply.substring(4).strip()) : -1;
      if (pid <= 0) {
        throw new LaunchException("the guest's monitor could not fork jvs-init");
      }
      // Gone already (it failed at once): a pidfd of nothing, and isAlive() says so.
      return new ServedMonitor(pid, Pidfd.open(pid).orElse(null));
    };
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public boolean isAlive() {
    return pidfd != null && !pidfd.awaitExit(0);
  }

  @Override
  public int waitFor() {
    if (pidfd != null) {
      pidfd.awaitExit(Long.MAX_VALUE / 2_000_000);
    }
    return UNKNOWN;
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) {
    return pidfd == null || pidfd.awaitExit(unit.toMillis(timeout));
  }

  @Override
  public int exitValue() {
    return UNKNOWN;
  }

  @Override
  public void destroyForcibly() {
    if (pidfd != null) {
      pidfd.signal(Signal.SIGKILL);
    }
  }

  @Override
  public void close() {
    if (pidfd != null) {
      pidfd.close();
    }
  }
}
