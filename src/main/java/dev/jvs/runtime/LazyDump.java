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
 * and says {@link #release() go} or {@link #abort() abort}. criu rolls an aborted dump back itself
 * (network unlocked, TCP sockets out of repair, the tree resumed): what makes a failed transfer
 * harmless. criu 4.2 starts the page server even after a failed post-dump script, so an abort also
 * hangs up on it, which ends it.
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

  private LazyDump(String who, Path dir, Path log, SocketPair pages, Process criu, long spawned) {
    this.who = who;
    this.dir = dir;
    this.log = log;
    this.pages = pages;
    this.criu = criu;
    this.spawned = spawned;
  }

  /** When the tree froze, as {@link System#nanoTime()}: {@link Criu#seizedAt}. */
  long frozenAt() {
    return Criu.seizedAt(log, spawned);
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
    } catch (IOException e) {
      throw new UncheckedIOException(who + ": lazy dump: " + e.getMessage(), e);
    } catch (InterruptedException e) {
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
      return new LazyDump(who, dir, log, pair[0], p, spawned);
    } catch (RuntimeException e) {
      pair[0].close();
      Trees.deleteIfExists(dir);
      throw e;
    } finally {
      opened.forEach(Libc::close);
      pair[1].handedOver(); // criu's copy is its own
    }
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

  /** Kills criu if it still runs (its session), hangs up its page server, removes the gate. */
  @Override
  public void close() {
    if (criu.isAlive()) {
      Criu.kill(criu);
    }
    pages.close();
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
}
