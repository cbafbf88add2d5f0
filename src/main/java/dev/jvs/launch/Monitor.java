package dev.jvs.launch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A running jvs-init monitor as its launcher sees it. Usually a child {@link Process}; a warm OCI
 * service instead has the monitor forked by its client (docs/oci.md, "Start-up"), so that the
 * container stays a descendant of the caller, and learns its pid and exit from that client.
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

    /** jvs-init as a child process of this JVM, its stdio redirected as {@code stdio} says. */
    static Starter process(Path initBinary) {
      return (socket, stdio) ->
          new ProcessMonitor(
              new ProcessBuilder(initBinary.toString(), socket.toString())
                  .redirectInput(stdio.in())
                  .redirectOutput(stdio.out())
                  .redirectError(stdio.err())
                  .start());
    }
  }

  /** A monitor that is this JVM's child process. */
  record ProcessMonitor(Process process) implements Monitor {
    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public int waitFor() throws InterruptedException {
      return process.waitFor();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
      return process.waitFor(timeout, unit);
    }

    @Override
    public int exitValue() {
      return process.exitValue();
    }

    @Override
    public void destroyForcibly() {
      process.destroyForcibly();
    }
  }
}
