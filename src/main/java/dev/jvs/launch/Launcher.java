package dev.jvs.launch;

import dev.jvs.base.Trace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts jvs-init, hands it a launch program over a Unix socket and drives the control protocol
 * (docs/launch-program.md): program, child pid, the caller's preparation (cgroups, network),
 * go-ahead, then ok or the failed operation.
 */
public final class Launcher {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);

  private final Monitor.Starter starter;

  public Launcher(Path initBinary) {
    this(Monitor.Starter.process(initBinary));
  }

  /** A launcher whose monitors {@code starter} starts (a warm service's clients fork them). */
  public Launcher(Monitor.Starter starter) {
    this.starter = starter;
  }

  /** Work done between the child's creation and its go-ahead (cgroup placement, networking). */
  @FunctionalInterface
  public interface Preparation {
    void prepare(long monitorPid, long childPid) throws Exception;
  }

  /**
   * How the monitor's (and so the child's, unless it gets a pty) stdio is connected: redirects as a
   * {@link ProcessBuilder} takes them, and for a service's caller the three fds it handed over.
   *
   * @param fds null, or three fds open in this process that stand for the caller's own stdio
   */
  public record Stdio(
      ProcessBuilder.Redirect in,
      ProcessBuilder.Redirect out,
      ProcessBuilder.Redirect err,
      Fds fds) {
    public Stdio(
        ProcessBuilder.Redirect in, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err) {
      this(in, out, err, null);
    }

    /**
     * Three fds of this process (a caller's stdin, stdout and stderr, received over SCM_RIGHTS),
     * and who forks a monitor on them as they are.
     *
     * @param owner starts a monitor whose stdio these very files are (the process that handed them
     *     over and forks it), or null
     */
    public record Fds(int in, int out, int err, Monitor.Starter owner) {}

    public static Stdio inherit() {
      return new Stdio(
          ProcessBuilder.Redirect.INHERIT,
          ProcessBuilder.Redirect.INHERIT,
          ProcessBuilder.Redirect.INHERIT);
    }

    /** /dev/null for all three (a detached guest's output goes to its `log`). */
    public static Stdio none() {
      java.io.File devNull = Path.of("/dev/null").toFile();
      return new Stdio(
          ProcessBuilder.Redirect.from(devNull),
          ProcessBuilder.Redirect.to(devNull),
          ProcessBuilder.Redirect.to(devNull));
    }

    /** /dev/null in, stdout and stderr together into {@code file} (emptied first). */
    public static Stdio toFile(Path file) {
      return new Stdio(
          ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
          ProcessBuilder.Redirect.to(file.toFile()),
          ProcessBuilder.Redirect.appendTo(file.toFile()));
    }

    /**
     * These three fds of this process. Handed over as they are where another process forks the
     * monitor (a guest's monitor for an exec, through {@link StdioFds}; their owner); a monitor
     * this process starts itself gets them reopened through /proc/self/fd (a terminal, a pipe or a
     * file; output appended), which a socket cannot be.
     */
    public static Stdio of(Fds fds) {
      return new Stdio(
          ProcessBuilder.Redirect.from(procFd(fds.in())),
          ProcessBuilder.Redirect.appendTo(procFd(fds.out())),
          ProcessBuilder.Redirect.appendTo(procFd(fds.err())),
          fds);
    }

    private static java.io.File procFd(int fd) {
      return Path.of("/proc/self/fd", Integer.toString(fd)).toFile();
    }
  }

  /**
   * Launches {@code program}. On success the child has exec'd; on failure the child and monitor are
   * gone and a {@link LaunchException} names the failed operation.
   */
  public Launched launch(LaunchProgram program, Path socket, Stdio stdio, Preparation preparation)
      throws LaunchException {
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Monitor monitor = null;
    SocketChannel channel = null;
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      monitor = starter.start(socket, stdio);
      Trace.mark("monitor spawned");
      channel = accept(server, monitor);
      Trace.mark("monitor connected");
      Files.deleteIfExists(socket);
      BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      send(channel, LaunchCodec.encode(program));
      String pidLine = expectLine(reader, monitor, "pid");
      if (pidLine.startsWith("error ")) {
        monitor.waitFor();
        throw failure(pidLine, program);
      }
      long childPid = parsePid(pidLine);
      Trace.mark("child cloned");
      try {
        preparation.prepare(monitor.pid(), childPid);
      } catch (LaunchException e) {
        throw e;
      } catch (Exception e) {
        throw new LaunchException(e.getMessage() == null ? e.toString() : e.getMessage());
      }
      send(channel, "go\n");
      String reply = expectLine(reader, monitor, "ok");
      Trace.mark("child set up and exec'd");
      if (reply.startsWith("error ")) {
        monitor.waitFor();
        throw failure(reply, program);
      }
      // "wait INDEX": the child blocks in wait-fifo until its caller's start (OCI create).
      if (!reply.equals("ok") && !reply.startsWith("wait ")) {
        throw new LaunchException("jvs-init: unexpected reply '" + reply + "'");
      }
      Launched launched = new Launched(monitor, childPid, channel, reader);
      monitor = null;
      channel = null;
      return launched;
    } catch (IOException e) {
      throw new LaunchException("jvs-init: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LaunchException("interrupted while launching");
    } finally {
      abort(monitor, channel);
      try {
        Files.deleteIfExists(socket);
      } catch (IOException ignored) {
        // best effort: a stale socket is replaced at the next launch
      }
    }
  }

  /** On any failure before success: closing the socket makes jvs-init kill the child and exit. */
  private static void abort(Monitor monitor, SocketChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // closing is the signal; nothing more to do
      }
    }
    if (monitor != null) {
      try {
        if (!monitor.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          monitor.destroyForcibly();
          monitor.waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        monitor.close();
      }
    }
  }

  private static SocketChannel accept(ServerSocketChannel server, Monitor monitor)
      throws IOException, LaunchException {
    server.configureBlocking(false);
    long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
    try (Selector selector = Selector.open()) {
      server.register(selector, SelectionKey.OP_ACCEPT);
      while (System.nanoTime() < deadline) {
        selector.select(50);
        SocketChannel channel = server.accept();
        if (channel != null) {
          channel.configureBlocking(true);
          return channel;
        }
        if (!monitor.isAlive()) {
          throw new LaunchException("jvs-init exited with status " + monitor.exitValue());
        }
      }
    }
    throw new LaunchException("jvs-init did not connect within " + CONNECT_TIMEOUT);
  }

  private static void send(SocketChannel channel, String text) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static String expectLine(BufferedReader reader, Monitor monitor, String what)
      throws IOException, LaunchException, InterruptedException {
    String line = reader.readLine();
    if (line == null) {
      int status = monitor.waitFor();
      throw new LaunchException(
          "jvs-init exited with status " + status + " before reporting '" + what + "'");
    }
    return line;
  }

  /** Turns "error INDEX ERRNO" into the failed operation's one-line message. */
  private static LaunchException failure(String line, LaunchProgram program) {
    String[] parts = line.split(" ");
    int index = Integer.parseInt(parts[1]);
    int errno = Integer.parseInt(parts[2]);
    if (index < 0 || index >= program.ops().size()) {
      return new LaunchException("jvs-init: operation " + index + " failed: errno " + errno);
    }
    return new LaunchException(program.ops().get(index), errno);
  }

  private static long parsePid(String line) throws LaunchException {
    if (!line.startsWith("pid ")) {
      throw new LaunchException("jvs-init: expected pid, got '" + line + "'");
    }
    return Long.parseLong(line.substring(4).trim());
  }
}
