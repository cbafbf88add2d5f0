package dev.jvs.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A child that has exec'd, with its monitor. Closing releases the control socket; the monitor and
 * the child keep running.
 */
public final class Launched implements AutoCloseable {
  private final Monitor monitor;
  private final long childPid;
  private final SocketChannel channel;
  private final BufferedReader reader;

  Launched(Monitor monitor, long childPid, SocketChannel channel, BufferedReader reader) {
    this.monitor = monitor;
    this.childPid = childPid;
    this.channel = channel;
    this.reader = reader;
  }

  public long monitorPid() {
    return monitor.pid();
  }

  public long childPid() {
    return childPid;
  }

  /** Whether the monitor, which ends with its child, ended within {@code millis}. */
  public boolean awaitMonitor(long millis) throws InterruptedException {
    return monitor.waitFor(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * Waits for the child to end and returns its exit code (128 + signal when killed), as the monitor
   * reports it ("exit exited N", "exit signaled S") or, without a report, as its own exit status
   * repeats.
   */
  public int awaitExit() throws InterruptedException {
    String report = null;
    try {
      String line;
      while (report == null && (line = reader.readLine()) != null) {
        if (line.startsWith("exit ")) {
          report = line;
        }
      }
    } catch (IOException e) {
      // the monitor's exit status below still tells the outcome
    }
    int status = monitor.waitFor();
    if (report == null) {
      return status;
    }
    String[] words = report.split(" ");
    int value = Integer.parseInt(words[2]);
    return words[1].equals("signaled") ? 128 + value : value;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // the monitor ignores a vanished caller
    }
    monitor.close();
  }
}
