package dev.jvs.oci.serve;

import dev.jvs.launch.LaunchException;
import dev.jvs.launch.Launcher;
import dev.jvs.launch.Monitor;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One client (jvs-init --oci-client) connection: its request (cwd, arguments), the verb's output
 * sent back as lines, and what the client does for the verb meanwhile (fork a monitor, pass its
 * stdin), reported on the same connection and read by a thread of its own.
 */
final class ClientSession implements AutoCloseable {
  private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(20);

  /** What the client asked for. */
  record Request(Path cwd, List<String> args) {}

  private final SocketChannel channel;
  // Reads only; writes go straight to the channel, so a blocked read never holds up a write.
  private final BufferedReader reader;
  private final Object sendLock = new Object();
  private final CompletableFuture<byte[]> stdin = new CompletableFuture<>();
  private volatile ClientMonitor monitor;
  private volatile boolean gone;

  ClientSession(SocketChannel channel) {
    this.channel = channel;
    this.reader =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.US_ASCII));
  }

  /** Reads {@code cwd PATH}, {@code arg A}… up to {@code end}. */
  Request readRequest() throws IOException {
    Path cwd = null;
    List<String> args = new ArrayList<>();
    while (true) {
      String line = reader.readLine();
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
        case "cwd" -> cwd = Path.of(value);
        case "arg" -> args.add(value);
        default -> throw new IOException("unknown request line '" + name + "'");
      }
    }
    if (cwd == null || !cwd.isAbsolute()) {
      throw new IOException("request without an absolute cwd");
    }
    return new Request(cwd, args);
  }

  /** The client's reports until it hangs up; runs on its own thread once the request is read. */
  void readReports() {
    try {
      String line;
      while ((line = reader.readLine()) != null) {
        int sp = line.indexOf(' ');
        String name = sp < 0 ? line : line.substring(0, sp);
        String field = sp < 0 ? "%" : line.substring(sp + 1);
        if (name.equals("stdin")) {
          stdin.complete(Frames.decode(field));
          continue;
        }
        ClientMonitor m = monitor;
        if (m == null) {
          throw new IOException("report '" + name + "' without a monitor");
        }
        switch (name) {
          case "spawned" -> m.spawned(Long.parseLong(text(field)));
          case "spawn-error" -> m.spawnFailed(text(field));
          case "reaped" -> m.reaped(Integer.parseInt(text(field)));
          default -> throw new IOException("unknown report '" + name + "'");
        }
      }
    } catch (IOException | RuntimeException e) {
      // a vanished or confused client: whatever waits on it is told below
    } finally {
      gone = true;
      stdin.completeExceptionally(new EOFException("the client hung up"));
      ClientMonitor m = monitor;
      if (m != null) {
        m.clientGone();
      }
    }
  }

  /** Starts monitors by asking the client to fork them, on the client's own stdio. */
  Monitor.Starter monitors() {
    return (socket, stdio) -> {
      if (!stdio.equals(Launcher.Stdio.inherit())) {
        throw new LaunchException("jvs-oci service: a client's monitor inherits the client's stdio");
      }
      ClientMonitor m = new ClientMonitor(this);
      monitor = m;
      if (gone) {
        m.clientGone();
      }
      send("spawn", socket.toString().getBytes(StandardCharsets.UTF_8));
      return m.awaitSpawn(SPAWN_TIMEOUT);
    };
  }

  /** The client's stdin, read to its end by the client when first asked for. */
  InputStream stdin() {
    try {
      if (!stdin.isDone()) {
        send("read-stdin", new byte[0]);
      }
      return new ByteArrayInputStream(stdin.get());
    } catch (IOException e) {
      throw new UncheckedIOException("stdin: " + e.getMessage(), e);
    } catch (ExecutionException e) {
      throw new UncheckedIOException("stdin: the client hung up", new EOFException());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the client's stdin");
    }
  }

  void send(String name, byte[] field) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Frames.line(name, field));
    synchronized (sendLock) {
      while (b.hasRemaining()) {
        channel.write(b);
      }
    }
  }

  private static String text(String field) {
    return new String(Frames.decode(field), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
