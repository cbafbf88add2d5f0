package dev.jvs.kernel;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A child started by {@link Spawn} on chosen fds (what ProcessBuilder cannot give it, such as one
 * end of a {@link SocketPair}), held by pidfd, as a {@link Process}: its stdio are those fds, so
 * its streams here are empty.
 */
public final class SpawnedProcess extends Process {
  private final long pid;
  private final Pidfd pidfd;
  private OptionalInt status = OptionalInt.empty();

  private SpawnedProcess(long pid, Pidfd pidfd) {
    this.pid = pid;
    this.pidfd = pidfd;
  }

  /** Starts {@code argv} (argv[0] a path) with {@code fds} as its fds 0, 1, 2, 3… */
  public static SpawnedProcess start(List<String> argv, int[] fds) {
    long pid = Spawn.start(argv, fds);
    // our child: it stays (a zombie at worst) until reaped here, so the pidfd is its
    return new SpawnedProcess(pid, Pidfd.open(pid).orElseThrow());
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public synchronized int waitFor() {
    if (status.isEmpty()) {
      status = pidfd.reap(true);
      pidfd.close();
    }
    return status.getAsInt();
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) {
    synchronized (this) {
      if (status.isPresent()) {
        return true;
      }
    }
    boolean exited = pidfd.awaitExit(unit.toMillis(timeout));
    synchronized (this) {
      if (status.isPresent()) { // reaped meanwhile by another thread, and the pidfd closed
        return true;
      }
    }
    return exited && waitFor() >= 0;
  }

  @Override
  public synchronized int exitValue() {
    if (status.isEmpty()) {
      status = pidfd.reap(false);
      if (status.isEmpty()) {
        throw new IllegalThreadStateException("process " + pid + " has not exited");
      }
      pidfd.close();
    }
    return status.getAsInt();
  }

  @Override
  public boolean isAlive() {
    try {
      exitValue();
      return false;
    } catch (IllegalThreadStateException e) {
      return true;
    }
  }

  @Override
  public synchronized void destroy() {
    if (status.isEmpty()) {
      pidfd.signal(Signal.SIGTERM);
    }
  }

  @Override
  public synchronized Process destroyForcibly() {
    if (status.isEmpty()) {
      pidfd.signal(Signal.SIGKILL);
    }
    return this;
  }

  @Override
  public OutputStream getOutputStream() {
    return OutputStream.nullOutputStream();
  }

  @Override
  public InputStream getInputStream() {
    return InputStream.nullInputStream();
  }

  @Override
  public InputStream getErrorStream() {
    return InputStream.nullInputStream();
  }
}
