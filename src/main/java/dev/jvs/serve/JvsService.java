package dev.jvs.serve;

import dev.jvs.base.JvsException;
import dev.jvs.guest.JvsDirs;
import dev.jvs.kernel.Spawn;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The warm runtime of `jvs serve` (docs/service.md): runs the command lines of jvs and jvs-oci that
 * clients (jvs-client) hand over on one root-only unix socket, each in this JVM on a thread of its
 * own, with the caller's cwd, environment and stdio fds. Platform threads, not virtual ones: verbs
 * block in flock(2) and other calls through FFM, which pin a carrier thread, and two of those must
 * never starve the request that holds the lock. It keeps no state of its own: every verb reads the
 * guests' and containers' state from disk and the kernel.
 */
public final class JvsService implements AutoCloseable {
  /** The protocol jvs-client speaks (its first line); another version is sent to its JVM. */
  static final String PROTOCOL = "1";

  private static final int ACCEPT_POLL_MILLIS = 250;

  private final UnixSocket listener;
  private final Path socket;
  private final boolean owned; // bound by us (removed at close), not systemd's
  private final JvsDirs dirs;
  private final RuntimeCache runtime;
  private final Map<String, Verbs> fronts;
  private final Consumer<String> log;
  private final AtomicLong requests = new AtomicLong();
  // Reused threads: a request then costs no thread creation. No thread here enters a namespace.
  private final ExecutorService threads =
      Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("jvs-serve-", 0).factory());
  private volatile HttpRelay http; // null: no REST API here
  private final String group; // null: root only; else this group's members may speak HTTP
  private volatile boolean stopping;
  private Thread acceptor;

  private JvsService(
      UnixSocket listener,
      Path socket,
      boolean owned,
      JvsDirs dirs,
      RuntimeCache runtime,
      Map<String, Verbs> fronts,
      String group,
      Consumer<String> log) {
    this.group = group;
    this.listener = listener;
    this.socket = socket;
    this.owned = owned;
    this.dirs = dirs;
    this.runtime = runtime;
    this.fronts = Map.copyOf(fronts);
    this.log = log;
  }

  /** Whether a service answers on JVS_RUN's default socket. */
  public static boolean answers(JvsDirs dirs) {
    return UnixSocket.answers(dirs.run().resolve("jvs.sock"));
  }

  /**
   * The service for the guests under {@code dirs}: on the socket systemd passed in (LISTEN_PID,
   * LISTEN_FDS in {@code env}), else on {@code socket}, bound under a temporary name and renamed
   * once it is mode 0600, so nobody but root ever reaches it. Refuses when another service answers
   * there; replaces a stale socket file.
   *
   * @param fronts the front-ends by name ("jvs", "jvs-oci")
   * @param group null for a root-only socket; else the socket is mode 0660 owned by root and this
   *     group, whose members may then use the REST API on it (the native client's protocol, which
   *     runs verbs as root with the caller's paths and environment, stays root's)
   */
  public static JvsService open(
      Path socket,
      Map<String, String> env,
      JvsDirs dirs,
      RuntimeCache runtime,
      Map<String, Verbs> fronts,
      String group,
      Consumer<String> log) {
    UnixSocket inherited = UnixSocket.inherited(env.get("LISTEN_PID"), env.get("LISTEN_FDS"));
    if (inherited != null) { // its mode and group are the socket unit's
      return new JvsService(
          inherited, Path.of(inherited.boundPath()), false, dirs, runtime, fronts, group, log);
    }
    GroupPrincipal owner = group == null ? null : lookUpGroup(group);
    try {
      Files.createDirectories(socket.toAbsolutePath().getParent());
      if (Files.exists(socket)) {
        if (UnixSocket.answers(socket)) {
          throw new JvsException(socket + ": a jvs service is already listening there");
        }
        Files.delete(socket); // left by a service that was killed
      }
      Path temporary = socket.resolveSibling(socket.getFileName() + ".new");
      Files.deleteIfExists(temporary);
      UnixSocket listener = UnixSocket.listen(temporary);
      try {
        if (owner == null) {
          Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
        } else { // group first: the mode opens it only to root and that group
          Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
          Files.getFileAttributeView(temporary, PosixFileAttributeView.class).setGroup(owner);
          Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-rw----"));
        }
        Files.move(temporary, socket, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        listener.close();
        Files.deleteIfExists(temporary);
        throw e;
      }
      return new JvsService(listener, socket, true, dirs, runtime, fronts, group, log);
    } catch (IOException e) {
      throw new JvsException(socket + ": " + e.getMessage(), e);
    }
  }

  private static GroupPrincipal lookUpGroup(String group) {
    try {
      return FileSystems.getDefault()
          .getUserPrincipalLookupService()
          .lookupPrincipalByGroupName(group);
    } catch (UserPrincipalNotFoundException e) {
      throw new JvsException(
          "serve: --group " + group + ": no such group (groupadd " + group + ")");
    } catch (IOException e) {
      throw new JvsException("serve: --group " + group + ": " + e.getMessage(), e);
    }
  }

  public Path socket() {
    return socket;
  }

  /** HTTP requests on this socket go to the REST API listening on {@code apiSocket}. */
  public void relayHttpTo(Path apiSocket) {
    http = new HttpRelay(apiSocket);
  }

  /** Whether systemd handed the socket over (socket activation). */
  public boolean activated() {
    return !owned;
  }

  /** Accepts clients on a thread of its own until {@link #close()}. */
  public void start() {
    acceptor = Thread.ofPlatform().daemon().name("jvs-serve-accept").start(this::acceptLoop);
    // a restore spawns its monitor itself (a start's comes from the client)
    Thread.ofVirtual().name("jvs-serve-link").start(Spawn::link);
  }

  private void acceptLoop() {
    while (!stopping) {
      UnixSocket client;
      try {
        client = listener.accept(ACCEPT_POLL_MILLIS);
      } catch (IOException | RuntimeException e) {
        if (!stopping) {
          log.accept("accept: " + e.getMessage());
          sleepQuietly();
        }
        continue;
      }
      if (client != null) {
        long n = requests.incrementAndGet();
        threads.execute(() -> handle(n, client));
      }
    }
  }

  private void handle(long n, UnixSocket connection) {
    long start = System.nanoTime();
    String what = "#" + n;
    try (ClientSession session = new ClientSession(connection)) {
      long[] peer = connection.peer();
      boolean isHttp = http != null && HttpRelay.isHttp(connection.peekByte());
      // Not root: only a member of the opted-in group gets this far (the socket's mode), and
      // only for HTTP
      if (peer[1] != 0 && !(group != null && isHttp)) {
        log.accept(what + " refused: uid " + peer[1] + " (pid " + peer[0] + ") is not root");
        return;
      }
      if (isHttp) {
        http.relay(connection, threads);
        return;
      }
      ClientSession.Request request = session.readRequest();
      what =
          "#" + n + " " + request.front() + " " + String.join(" ", Secrets.masked(request.args()));
      Verbs verbs = fronts.get(request.front());
      String refusal =
          !PROTOCOL.equals(request.version())
              ? "this service speaks protocol " + PROTOCOL + ", the client " + request.version()
              : verbs == null ? "no front-end '" + request.front() + "' here" : null;
      ClientCaller caller = refusal == null ? new ClientCaller(request, session, runtime) : null;
      if (caller != null && request.front().equals("jvs") && !caller.dirs().equals(dirs)) {
        refusal = "this service serves JVS_ROOT=" + dirs.root() + " JVS_RUN=" + dirs.run();
      }
      if (refusal != null) {
        log.accept(what + " -> its own JVM: " + refusal);
        session.send("fallback", refusal);
        return;
      }
      session.readReports(threads, Thread.currentThread());
      int code;
      try {
        code = verbs.run(caller, request.args().toArray(String[]::new));
      } catch (Fallback f) {
        log.accept(what + " -> its own JVM: " + f.getMessage());
        session.send("fallback", f.getMessage());
        return;
      } catch (RuntimeException | Error e) { // a front-end prints its own errors; not this
        new PrintStream(caller.err(), true, StandardCharsets.UTF_8)
            .println(request.front() + ": internal error: " + e);
        log.accept(what + ": internal error: " + stackTrace(e));
        code = 1;
      } finally {
        session.verbDone();
      }
      caller.out().flush();
      caller.err().flush();
      // logged first: once the caller has its status, the log has the call
      log.accept(RequestLog.ran(what, code, System.nanoTime() - start));
      session.send("exit", Integer.toString(code));
    } catch (IOException | RuntimeException e) {
      log.accept(what + ": client lost: " + e.getMessage());
    }
  }

  private static String stackTrace(Throwable e) {
    java.io.StringWriter w = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }

  /** Requests served so far. */
  public long requests() {
    return requests.get();
  }

  /**
   * Stops accepting (removing the socket unless systemd owns it) and gives requests under way up to
   * {@code grace} to finish; guests and containers are not touched.
   */
  public synchronized void close(java.time.Duration grace) {
    if (stopping) {
      return;
    }
    stopping = true;
    if (owned) {
      try {
        Files.deleteIfExists(socket); // first: a new client then finds no service, not a dead one
      } catch (IOException ignored) {
        // a stale socket is replaced by the next service
      }
    }
    if (acceptor != null) {
      try {
        acceptor.join(2 * ACCEPT_POLL_MILLIS + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (owned) { // who connected meanwhile runs the call in its own JVM, not on a dead socket
      refusePending();
      listener.close();
    }
    threads.shutdown();
    try {
      threads.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(java.time.Duration.ofSeconds(10));
  }

  private void refusePending() {
    try {
      UnixSocket pending;
      while ((pending = listener.accept(0)) != null) {
        try (UnixSocket client = pending) {
          client.write(
              Frames.line("fallback", "the service is stopping".getBytes(StandardCharsets.UTF_8)));
        } catch (IOException ignored) {
          // gone already
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // nothing more to refuse
    }
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
