package dev.jvs.runtime;

import dev.jvs.launch.Launched;

/**
 * A launched first process or exec, as the front-ends hold it: its pids and its end. Closing lets
 * go of the launch's control connection; the process and its monitor keep running.
 */
public final class Run implements AutoCloseable {
  private final Launched launched;

  Run(Launched launched) {
    this.launched = launched;
  }

  public long monitorPid() {
    return launched.monitorPid();
  }

  public long childPid() {
    return launched.childPid();
  }

  /** Whether the process ended (and its monitor with it) within {@code millis}. */
  public boolean awaitEnd(long millis) throws InterruptedException {
    return launched.awaitMonitor(millis);
  }

  /** Waits for the process to end: its exit code, or 128 + the signal that killed it. */
  public int awaitExit() throws InterruptedException {
    return launched.awaitExit();
  }

  @Override
  public void close() {
    launched.close();
  }
}
