package dev.jvs.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A child that has exec'd, with its monitor. Closing releases the control socket; the monitor
 * and the child keep running.
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

  /**
   * Waits for the child to end and returns its exit code (128 + signal when killed), as the
   * monitor reports it and as its own exit status repeats.
   */
  public int awaitExit() throws InterruptedException {
    try {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("exit ")) {
          break;
        }
      }
    } catch (IOException e) {
      // the monitor's exit status below still tells the outcome
    }
    return monitor.waitFor();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // the monitor ignores a vanished caller
    }
  }
}
