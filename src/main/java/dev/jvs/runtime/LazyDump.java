package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import dev.jvs.image.Trees;
import dev.jvs.kernel.Libc;
import dev.jvs.kernel.SocketPair;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
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
 * every image but the tree's memory, then serves that memory until a lazy-pages daemon has fetched
 * it all, and only then kills the tree. Its page server has no authentication, so it listens on no
 * port: it serves on one end of a socket pair ({@code --ps-socket}), whose other end only the
 * caller holds.
 *
 * <p>Between the two a post-dump action script holds criu at a gate: the caller ships the images
 * and says {@link #release go}, or {@link #abort aborts} by closing its end of the gate (as its
 * death would). criu rolls an aborted dump back itself (network unlocked, TCP sockets out of
 * repair, the tree resumed): what makes a failed transfer harmless. criu 4.2 starts the page server
 * even after a failed post-dump script, so an abort also hangs up on it, which ends it.
 */
final class LazyDump implements AutoCloseable {
  /**
   * criu runs its action script at each step of a dump, three of them while the tree is frozen
   * (network-lock, post-dump, status-ready): a POSIX shell, not bash, which costs ~4 ms more a run
   * here. The read ends with jvs's answer, or at end of file once jvs's end of the FIFO is closed
   * (jvs gave up, or its process died): an empty answer aborts, so a vanished caller never leaves
   * the tree frozen.
   */
  static final String GATE =
      """
      #!/bin/sh
      # jvs: criu runs this at each step; post-dump waits for go or abort
      [ "$CRTOOLS_SCRIPT_ACTION" = post-dump ] || exit 0
      exec 3<"${0%/*}/gate"
      : > "${0%/*}/images-written"
      read -r answer <&3 && [ "$answer" = go ]
      """;

  /** criu's fds: 0-2 stdio, then these two. */
  private static final int STATUS_FD = 3;

  private static final int PAGES_FD = 4;
  private static final int O_APPEND = 02000;

  private final String who;
  private final Path dir;
  private final Path log;
  private final SocketPair pages;
  private final Process criu;
  private final long spawned;
  private final RandomAccessFile gate;

  private LazyDump(
      String who,
      Path dir,
      Path log,
      SocketPair pages,
      Process criu,
      long spawned,
      RandomAccessFile gate) {
    this.who = who;
    this.dir = dir;
    this.log = log;
    this.pages = pages;
    this.criu = criu;
    this.spawned = spawned;
    this.gate = gate;
  }

  /** When the tree froze, as {@link System#nanoTime()}: {@link Criu#seizedAt}. */
  long frozenAt() {
    return Criu.seizedAt(log, spawned);
  }

  /**
   * Starts {@code criu ARGS --lazy-pages …}: {@code args} dump into {@code log}'s directory; the
   * gate waits for an answer for as long as this end of it stays open.
   */
  static LazyDump start(Criu criu, String who, List<String> args, Path log) {
    Path dir;
    try {
      dir = Files.createTempDirectory("jvs-lazy-dump");
    } catch (IOException e) {
      throw new UncheckedIOException(who + ": lazy dump: " + e.getMessage(), e);
    }
    RandomAccessFile gate;
    try {
      Path script = dir.resolve("gate.sh");
      Files.writeString(script, GATE);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      gate = openGate(dir.resolve("gate"));
    } catch (IOException e) {
      Trees.deleteIfExists(dir);
      throw new UncheckedIOException(who + ": lazy dump: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Trees.deleteIfExists(dir);
      Thread.currentThread().interrupt();
      throw new JvsException(who + ": interrupted");
    }
    List<String> all = new ArrayList<>(args);
    all.addAll(
        List.of(
            "--lazy-pages",
            "--ps-socket",
            Integer.toString(PAGES_FD),
            "--action-script",
            dir.resolve("gate.sh").toString(),
            // criu writes a byte here once its page server serves
            "--status-fd",
            Integer.toString(STATUS_FD)));
    SocketPair[] pair = SocketPair.open();
    List<Integer> opened = new ArrayList<>();
    try {
      int devNull = open(who, Path.of("/dev/null"), Libc.O_RDONLY, opened);
      int out =
          open(
              who, log.resolveSibling("criu.out"), Libc.O_WRONLY | Libc.O_CREAT | O_APPEND, opened);
      int status =
          open(who, dir.resolve("serving"), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, opened);
      long spawned = System.nanoTime();
      Process p = criu.spawn(who, "dump", all, new int[] {devNull, out, out, status, pair[1].fd()});
      return new LazyDump(who, dir, log, pair[0], p, spawned, gate);
    } catch (RuntimeException e) {
      pair[0].close();
      closeQuietly(gate);
      Trees.deleteIfExists(dir);
      throw e;
    } finally {
      opened.forEach(Libc::close);
      pair[1].handedOver(); // criu's copy is its own
    }
  }

  /**
   * Makes the gate's FIFO and holds it open for reading and writing (which never blocks): while
   * this end is open the script's read waits; once it closes, with or without an answer, the read
   * ends.
   */
  static RandomAccessFile openGate(Path fifo) throws IOException, InterruptedException {
    int rc =
        new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start().waitFor();
    if (rc != 0) {
      throw new IOException("mkfifo " + fifo + ": exit " + rc);
    }
    return new RandomAccessFile(fifo.toFile(), "rw");
  }

  private static int open(String who, Path file, int flags, List<Integer> opened) {
    int fd =
        (int)
            Libc.open(file.toString(), flags | Libc.O_CLOEXEC, 0600)
                .orThrow("open", who + ": " + file);
    opened.add(fd);
    return fd;
  }

  /** criu's page server: the other end of this socket pair. */
  SocketPair pages() {
    return pages;
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
    closeQuietly(gate); // the script reads end of file: no go
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

  /** Kills criu if it still runs (its session), hangs up its page server, removes the gate. */
  @Override
  public void close() {
    if (criu.isAlive()) {
      Criu.kill(criu);
    }
    pages.close();
    closeQuietly(gate);
    Trees.deleteIfExists(dir);
  }

  private void awaitServing(Criu criu) {
    Path serving = dir.resolve("serving");
    if (!criu.await(who, "dump", this.criu, log, () -> size(serving) > 0)) {
      throw Criu.failure(who, "dump", this.criu.exitValue(), log);
    }
  }

  /** A hang-up before any request: the page server ends as if all had been fetched. */
  private void hangUp() {
    pages.close();
  }

  private void answer(String word) {
    try {
      gate.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(who + ": lazy dump gate: " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(RandomAccessFile gate) {
    try {
      gate.close();
    } catch (IOException e) {
      // nothing was buffered: the script sees end of file either way
    }
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
