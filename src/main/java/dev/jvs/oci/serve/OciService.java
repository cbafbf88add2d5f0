package dev.jvs.oci.serve;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The warm jvs-oci service ({@code jvs-oci serve}): runs jvs-oci command lines that clients
 * (jvs-init --oci-client, which ./jvs-oci execs when the socket exists) forward over a root-only
 * Unix socket, each on a thread of its own, so no JVM starts per call. Platform threads, not
 * virtual ones: verbs block in flock(2) through FFM, which pins a carrier thread, and two of
 * those must never starve the request that holds the lock.
 */
public final class OciService implements AutoCloseable {
  private final Path socket;
  private final Verbs verbs;
  private final PrintWriter log;
  private final ServerSocketChannel server;
  private final AtomicLong requests = new AtomicLong();
  // Reused threads: a request then costs no thread creation. No thread here enters a namespace.
  private final ExecutorService threads =
      Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("jvs-oci-", 0).factory());

  private OciService(Path socket, Verbs verbs, PrintWriter log, ServerSocketChannel server) {
    this.socket = socket;
    this.verbs = verbs;
    this.log = log;
    this.server = server;
  }

  /**
   * Listens on {@code socket} (mode 0600), replacing a stale socket file; refuses when another
   * service answers there.
   */
  public static OciService bind(Path socket, Verbs verbs, PrintWriter log) {
    try {
      Files.createDirectories(socket.toAbsolutePath().getParent());
      if (Files.exists(socket)) {
        if (answers(socket)) {
          throw new JvsException(socket + ": a jvs-oci service is already listening there");
        }
        Files.delete(socket); // left by a service that was killed
      }
      // bound under a temporary name and renamed once it is 0600: never reachable by others
      Path temporary = socket.resolveSibling(socket.getFileName() + ".new");
      Files.deleteIfExists(temporary);
      ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        server.bind(UnixDomainSocketAddress.of(temporary), 64);
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
        Files.move(temporary, socket, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        server.close();
        Files.deleteIfExists(temporary);
        throw e;
      }
      return new OciService(socket, verbs, log, server);
    } catch (IOException e) {
      throw new JvsException(socket + ": " + e.getMessage(), e);
    }
  }

  private static boolean answers(Path socket) throws IOException {
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return true;
    } catch (ConnectException e) {
      return false;
    }
  }

  public Path socket() {
    return socket;
  }

  /** Accepts clients until {@link #close()}. */
  public void serve() {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        log.println("jvs-oci serve: accept: " + e.getMessage());
        log.flush();
        continue;
      }
      long n = requests.incrementAndGet();
      threads.execute(() -> handle(n, client));
    }
  }

  private void handle(long n, SocketChannel channel) {
    long start = System.nanoTime();
    try (ClientSession session = new ClientSession(channel)) {
      ClientSession.Request request = session.readRequest();
      threads.execute(session::readReports);
      PrintWriter out = writer(session, "out");
      PrintWriter err = writer(session, "err");
      Caller caller = new Caller(request.cwd(), session.monitors(), session::stdin);
      int code;
      try {
        code = verbs.run(caller, out, err, request.args().toArray(String[]::new));
      } catch (RuntimeException e) {
        err.println("jvs-oci: internal error: " + e);
        code = 1;
      }
      out.flush();
      err.flush();
      session.send("exit", Integer.toString(code).getBytes(StandardCharsets.US_ASCII));
      log(String.format("#%d %s -> %d (%.1f ms)", n, String.join(" ", request.args()), code,
          (System.nanoTime() - start) / 1e6));
    } catch (IOException | RuntimeException e) {
      log("#" + n + " client lost: " + e.getMessage());
    }
  }

  private static PrintWriter writer(ClientSession session, String stream) {
    return new PrintWriter(
        new OutputStreamWriter(new FrameStream(session, stream), StandardCharsets.UTF_8), true);
  }

  private void log(String line) {
    synchronized (log) {
      log.println("jvs-oci serve: " + line);
      log.flush();
    }
  }

  /** Stops accepting and removes the socket; requests under way finish on their threads. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing is all that is asked
    }
    threads.shutdown();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // a stale socket is replaced by the next service
    }
  }
}
