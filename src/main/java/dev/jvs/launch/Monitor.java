package dev.jvs.launch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A running jvs-init monitor as its launcher sees it: a child this process spawned, one a running
 * guest's monitor forked for an exec, or one a service's client forked (so that a container stays a
 * descendant of the caller), whose pid and exit that client reports.
 */
public interface Monitor extends AutoCloseable {
  long pid();

  boolean isAlive();

  /** The monitor's exit status (the child's code, 128 + signal, or 1 for a failed launch). */
  int waitFor() throws InterruptedException;

  boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException;

  /** Only after {@link #waitFor()} returned or {@link #isAlive()} is false. */
  int exitValue();

  void destroyForcibly();

  /** Lets go of what holds the monitor (not the monitor itself). */
  @Override
  default void close() {}

  /** Starts a monitor that connects to {@code socket} ({@code jvs-init SOCKET}). */
  @FunctionalInterface
  interface Starter {
    Monitor start(Path socket, Launcher.Stdio stdio) throws IOException, LaunchException;

    /** Monitors a running guest's monitor forks for execs, listening on {@code execSocket}. */
    static Starter servedBy(Path execSocket) {
      return ServedMonitor.starter(execSocket);
    }

    /** jvs-init as a child of this process, spawned on the fds {@code stdio} stands for. */
    static Starter process(Path initBinary) {
      return SpawnedMonitor.starter(initBinary);
    }
  }
}
