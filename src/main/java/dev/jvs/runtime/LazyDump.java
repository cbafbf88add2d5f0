package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import dev.jvs.image.Trees;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The source's criu of a post-copy dump (docs/migration.md): {@code criu dump --lazy-pages} writes
 * every image but the tree's memory, then serves that memory from a page server on this namespace's
 * loopback until a lazy-pages daemon has fetched it all, and only then kills the tree.
 *
 * <p>Between the two a post-dump action script holds criu at a gate: the caller ships the images
 * and says {@link #release() go} or {@link #abort() abort}. criu rolls an aborted dump back itself
 * (network unlocked, TCP sockets out of repair, the tree resumed): what makes a failed transfer
 * harmless. criu 4.2 starts the page server even after a failed post-dump script, so an abort also
 * connects to it and hangs up, which ends it.
 */
final class LazyDump implements AutoCloseable {
  /** bash: its read has a timeout; with no answer the gate aborts (a vanished caller). */
  private static final String GATE =
      "#!/bin/bash\n"
          + "# jvs: criu runs this at each step; post-dump waits for go or abort\n"
          + "[ \"$CRTOOLS_SCRIPT_ACTION\" = post-dump ] || exit 0\n"
          + "dir=$(dirname \"$0\")\n"
          + "exec 3<>\"$dir/gate\"\n"
          + ": > \"$dir/images-written\"\n"
          + "read -r -t %d -u 3 answer && [ \"$answer\" = go ]\n";

  private static final String STATUS_FD = "3";

  private final String who;
  private final Path dir;
  private final Path log;
  private final int port;
  private final Process criu;

  private LazyDump(String who, Path dir, Path log, int port, Process criu) {
    this.who = who;
    this.dir = dir;
    this.log = log;
    this.port = port;
    this.criu = criu;
  }

  /**
   * Starts {@code criu ARGS --lazy-pages …}: {@code args} dump into {@code log}'s directory; the
   * gate waits at most {@code gate} for an answer.
   */
  static LazyDump start(Criu criu, String who, List<String> args, Path log, Duration gate) {
    Path dir;
    try {
      dir = Files.createTempDirectory("jvs-lazy-dump");
      Path script = dir.resolve("gate.sh");
      Files.writeString(script, GATE.formatted(Math.max(1, gate.toSeconds())));
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      new ProcessBuilder("mkfifo", "-m", "600", dir.resolve("gate").toString())
          .inheritIO()
          .start()
          .waitFor();
      int port = freeLoopbackPort();
      List<String> all = new ArrayList<>(args);
      all.addAll(
          List.of(
              "--lazy-pages",
              "--address",
              InetAddress.getLoopbackAddress().getHostAddress(),
              "--port",
              Integer.toString(port),
              "--action-script",
              script.toString(),
              "--status-fd",
              STATUS_FD));
      ProcessBuilder pb =
          criu.builder(
                  // criu writes a byte to the status fd once its page server listens
                  List.of("sh", "-c", "exec \"$@\" 3>\"$0\"", dir.resolve("serving").toString()),
                  all)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(log.resolveSibling("criu.out").toFile()));
      return new LazyDump(who, dir, log, port, criu.start(who, "dump", pb));
    } catch (IOException e) {
      throw new UncheckedIOException(who + ": lazy dump: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(who + ": interrupted");
    }
  }

  /** The port of criu's page server on loopback. */
  int port() {
    return port;
  }

  /** Waits until the images are written (the tree frozen); a failed dump resumed the tree. */
  void awaitImages(Criu criu) {
    Path written = dir.resolve("images-written");
    if (!criu.await(who, "dump", this.criu, log, () -> Files.exists(written))) {
      throw Criu.failure(who, "dump", this.criu.exitValue(), log);
    }
  }

  /** Opens the gate: criu serves the memory; returns once its page server listens. */
  void release(Criu criu) {
    answer("go");
    awaitServing(criu);
  }

  /**
   * Aborts at the gate: criu rolls the dump back and the tree runs on; returns once criu has ended.
   */
  void abort(Criu criu) {
    answer("abort");
    awaitServing(criu);
    hangUp();
    criu.await(who, "dump", this.criu, log, () -> false);
  }

  /**
   * Waits until criu has ended after the memory went elsewhere; returns its exit status (0: all
   * pages fetched, the tree killed; else the page server failed and the tree was resumed).
   */
  int awaitEnd(Criu criu, Duration patience) {
    try {
      if (!this.criu.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new JvsException(
            who
                + ": criu dump's page server still serves after "
                + patience.toSeconds()
                + " s (log: "
                + log
                + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(who + ": interrupted");
    }
    return this.criu.exitValue();
  }

  /**
   * After a failure past the gate: criu's status once it ended (0: the memory had all been fetched
   * and the tree killed). A page server nobody made fail is killed after 30 s, which lets the tree
   * go on (criu's ptrace ends with it).
   */
  int endAfterFailure(Criu criu) {
    try {
      return awaitEnd(criu, Duration.ofSeconds(30));
    } catch (JvsException e) {
      Criu.kill(this.criu);
      return -1;
    }
  }

  /** Kills criu if it still runs (its session) and removes the gate. */
  @Override
  public void close() {
    if (criu.isAlive()) {
      Criu.kill(criu);
    }
    Trees.deleteIfExists(dir);
  }

  private void awaitServing(Criu criu) {
    Path serving = dir.resolve("serving");
    if (!criu.await(who, "dump", this.criu, log, () -> size(serving) > 0)) {
      throw Criu.failure(who, "dump", this.criu.exitValue(), log);
    }
  }

  /** A connection that closes at once: the page server ends as if all had been fetched. */
  private void hangUp() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
    } catch (IOException e) {
      throw new JvsException(who + ": criu dump's page server: " + e.getMessage(), e);
    }
  }

  /** Read-write: opening a FIFO so never blocks, even when the gate script is gone. */
  private void answer(String word) {
    try (RandomAccessFile gate = new RandomAccessFile(dir.resolve("gate").toFile(), "rw")) {
      gate.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(who + ": lazy dump gate: " + e.getMessage(), e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
