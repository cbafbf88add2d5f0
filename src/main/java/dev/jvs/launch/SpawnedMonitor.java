package dev.jvs.launch;

import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Pidfd;
import dev.jvs.kernel.Signal;
import dev.jvs.kernel.Spawn;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A jvs-init this process spawned (posix_spawn, on exactly the fds its stdio stands for), held by
 * pidfd. A monitor still running when let go (a detached guest's) is reaped by {@link Reaper}.
 */
final class SpawnedMonitor implements Monitor {
  private final long pid;
  private final Pidfd pidfd;
  private OptionalInt status = OptionalInt.empty();

  private SpawnedMonitor(long pid, Pidfd pidfd) {
    this.pid = pid;
    this.pidfd = pidfd;
  }

  static Monitor.Starter starter(Path initBinary) {
    return (socket, stdio) -> {
      try (StdioFds fds = StdioFds.open(stdio)) {
        long pid = Spawn.start(List.of(initBinary.toString(), socket.toString()), fds.numbers());
        // our child: it stays (a zombie at worst) until we reap it, so the pidfd is its
        return new SpawnedMonitor(pid, Pidfd.open(pid).orElseThrow());
      } catch (KernelException e) {
        throw new LaunchException("cannot start " + initBinary + ": " + e.getMessage());
      }
    };
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public synchronized boolean isAlive() {
    if (status.isEmpty()) {
      status = pidfd.reap(false);
    }
    return status.isEmpty();
  }

  @Override
  public synchronized int waitFor() {
    if (status.isEmpty()) {
      status = pidfd.reap(true);
    }
    return status.getAsInt();
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) {
    return pidfd.awaitExit(unit.toMillis(timeout)) && waitFor() >= 0;
  }

  @Override
  public synchronized int exitValue() {
    if (!isAlive()) {
      return status.getAsInt();
    }
    throw new IllegalThreadStateException("jvs-init " + pid + " has not exited");
  }

  @Override
  public void destroyForcibly() {
    pidfd.signal(Signal.SIGKILL);
  }

  /** A monitor still running (a detached guest's) is left to the reaper, which closes it. */
  @Override
  public synchronized void close() {
    if (isAlive()) {
      Reaper.INSTANCE.watch(pidfd);
    } else {
      pidfd.close();
    }
  }
}
