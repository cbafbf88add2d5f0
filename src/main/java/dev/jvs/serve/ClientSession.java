package dev.jvs.serve;

import dev.jvs.launch.LaunchException;
import dev.jvs.launch.Launcher;
import dev.jvs.launch.Monitor;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One client connection (jvs-client): its request with the caller's three fds, the answers sent
 * back as lines, and what the client reports meanwhile (a monitor it forked, that monitor's end, or
 * that it hung up), read by a thread of its own.
 */
final class ClientSession implements AutoCloseable {
  private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(20);
  private static final int MAX_LINE = 1 << 20;

  /** What the client asked for; {@code fds} are its stdin, stdout and stderr, now ours too. */
  record Request(
      String version,
      String front,
      Path cwd,
      Map<String, String> env,
      List<String> args,
      int[] fds) {}

  private final UnixSocket socket;
  private final byte[] chunk = new byte[64 * 1024];
  private byte[] buf = new byte[64 * 1024]; // bytes read, not yet taken as lines: [start, end)
  private int start;
  private int end;
  private final Object sendLock = new Object();
  private final Object verbLock = new Object();
  private int[] fds = new int[0];
  private CompletableFuture<Void> reports;
  private Thread verb; // the thread running the verb, interrupted if the client hangs up
  private volatile ClientMonitor monitor;
  private volatile boolean gone;

  ClientSession(UnixSocket socket) {
    this.socket = socket;
  }

  /** Reads the request: the caller's fds arrive with its first bytes, then lines up to `end`. */
  Request readRequest() throws IOException {
    UnixSocket.Received first = socket.receive(chunk.length, 3);
    fds = first.fds();
    if (first.data().length == 0) {
      throw new EOFException("the client hung up before its request");
    }
    if (fds.length != 3) {
      throw new IOException(
          "a request with " + fds.length + " fds instead of stdin, stdout and" + " stderr");
    }
    append(first.data(), first.data().length);
    String version = null;
    String front = null;
    Path cwd = null;
    Map<String, String> env = new LinkedHashMap<>();
    List<String> args = new ArrayList<>();
    while (true) {
      String line = readLine();
      if (line == null) {
        throw new EOFException("the client hung up before 'end'");
      }
      if (line.equals("end")) {
        break;
      }
      int sp = line.indexOf(' ');
      String name = sp < 0 ? line : line.substring(0, sp);
      String value = sp < 0 ? "" : text(line.substring(sp + 1));
      switch (name) {
        case "jvs-client" -> version = value;
        case "front" -> front = value;
        case "cwd" -> cwd = Path.of(value);
        case "env" -> {
          int eq = value.indexOf('=');
          if (eq > 0) {
            env.put(value.substring(0, eq), value.substring(eq + 1));
          }
        }
        case "arg" -> args.add(value);
        default -> throw new IOException("unknown request line '" + name + "'");
      }
    }
    if (version == null || front == null || cwd == null || !cwd.isAbsolute()) {
      throw new IOException("a request without its version, front-end or absolute cwd");
    }
    return new Request(version, front, cwd, Map.copyOf(env), List.copyOf(args), fds.clone());
  }

  /**
   * Reads the client's reports on a thread of {@code threads} until it hangs up; then a verb still
   * running for it is interrupted (a `jvs top` has nobody left to show its screen to).
   */
  void readReports(ExecutorService threads, Thread verbThread) {
    synchronized (verbLock) {
      verb = verbThread;
    }
    reports = CompletableFuture.runAsync(this::reportLoop, threads);
  }

  /** The verb has returned: a hang-up from now on interrupts nothing. */
  void verbDone() {
    synchronized (verbLock) {
      verb = null;
    }
    Thread.interrupted(); // a hang-up's interrupt that came late must not reach the next request
  }

  private void reportLoop() {
    try {
      String line;
      while ((line = readLine()) != null) {
        int sp = line.indexOf(' ');
        String name = sp < 0 ? line : line.substring(0, sp);
        String field = sp < 0 ? "" : text(line.substring(sp + 1));
        ClientMonitor m = monitor;
        if (m == null) {
          throw new IOException("report '" + name + "' without a monitor");
        }
        switch (name) {
          case "spawned" -> m.spawned(Long.parseLong(field));
          case "spawn-error" -> m.spawnFailed(field);
          case "reaped" -> m.reaped(Integer.parseInt(field));
          default -> throw new IOException("unknown report '" + name + "'");
        }
      }
    } catch (IOException | RuntimeException e) {
      // a vanished or confused client: whatever waits on it is told below
    } finally {
      gone = true;
      ClientMonitor m = monitor;
      if (m != null) {
        m.clientGone();
      }
      synchronized (verbLock) {
        if (verb != null) {
          verb.interrupt();
        }
      }
    }
  }

  /**
   * Starts monitors by asking the client to fork them on its own stdio (`spawn PATH`). With {@code
   * relay}, the client is also told to pass signals on to it (`monitor PID`): a foreground guest's
   * monitor, which the terminal's own signals reach anyway.
   */
  Monitor.Starter monitors(boolean relay) {
    return (socket, stdio) -> {
      if (!stdio.equals(Launcher.Stdio.inherit()) && stdio.fds() == null) {
        throw new LaunchException("the jvs service: a client's monitor has the client's stdio");
      }
      ClientMonitor m = new ClientMonitor(this);
      monitor = m;
      if (gone) {
        m.clientGone();
      }
      send("spawn", socket.toString());
      m.awaitSpawn(SPAWN_TIMEOUT);
      if (relay) {
        send("monitor", Long.toString(m.pid()));
      }
      return m;
    };
  }

  void send(String name, String field) throws IOException {
    byte[] line = Frames.line(name, field.getBytes(StandardCharsets.UTF_8));
    synchronized (sendLock) {
      socket.write(line);
    }
  }

  /** The next line (ASCII: every field is %-encoded), or null at EOF. */
  private String readLine() throws IOException {
    int scanned = start;
    while (true) {
      for (int i = scanned; i < end; i++) {
        if (buf[i] == '\n') {
          String line = new String(buf, start, i - start, StandardCharsets.US_ASCII);
          start = i + 1;
          return line;
        }
      }
      scanned = end;
      if (end - start > MAX_LINE) {
        throw new IOException("a line longer than " + MAX_LINE + " bytes");
      }
      int n = socket.read(chunk);
      if (n < 0) {
        return null;
      }
      int before = start;
      append(chunk, n);
      scanned -= before - start; // append may have moved the unread bytes to the front
    }
  }

  private void append(byte[] data, int n) {
    if (end + n > buf.length) {
      int unread = end - start;
      byte[] to = unread + n > buf.length ? new byte[Math.max(buf.length * 2, unread + n)] : buf;
      System.arraycopy(buf, start, to, 0, unread);
      buf = to;
      start = 0;
      end = unread;
    }
    System.arraycopy(data, 0, buf, end, n);
    end += n;
  }

  private static String text(String field) {
    return new String(Frames.decode(field), StandardCharsets.UTF_8);
  }

  /** Hangs up, waits for the report reader, then closes the socket and the caller's fds. */
  @Override
  public void close() {
    socket.shutdown();
    if (reports != null) {
      try {
        reports.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // it ends with the shut-down socket; a stuck one only delays the close
      }
    }
    socket.close();
    UnixSocket.closeAll(fds);
    fds = new int[0];
  }
}
