package dev.jvs.migrate;

import dev.jvs.base.Executables;
import dev.jvs.base.JvsException;
import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Libc;
import dev.jvs.kernel.SocketPair;
import dev.jvs.kernel.SpawnedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * GNU tar as the wire format of a migration: numeric owners, and the trusted.* xattrs overlayfs
 * keeps in a private layer (opaque directories), so the layer lands as it was; whiteouts are
 * character devices, which tar carries as they are.
 *
 * <p>The private layer goes twice: whole while the guest still runs, then, frozen, what changed
 * since (GNU tar's listed-incremental dumps: the second holds the files changed or made since the
 * first began, and each directory's list of names, by which the unpacking removes what was
 * deleted).
 *
 * <p>tar is started by posix_spawn on one end of a socket pair ({@link SpawnedProcess}), not by
 * ProcessBuilder: a ProcessBuilder start costs ~5 ms from a service's JVM here (its spawn helper's
 * second exec) against ~2.5 ms, and one tar runs on each side while the guest is frozen.
 */
final class TarStream implements AutoCloseable {
  private static final List<String> FLAGS =
      List.of("--numeric-owner", "--xattrs", "--xattrs-include=trusted.*", "--sparse");

  private final SpawnedProcess tar;
  private final SocketPair archive;

  private TarStream(SpawnedProcess tar, SocketPair archive) {
    this.tar = tar;
    this.archive = archive;
  }

  /** A running tar writing {@code members} of {@code dir}: read the archive from {@link #in}. */
  static TarStream create(Path dir, List<String> members) {
    return create(dir, members, Optional.empty());
  }

  /**
   * As above; with {@code snapshot} an incremental dump: the first made with a snapshot file holds
   * everything and records what it saw there, the next one what changed since.
   */
  static TarStream create(Path dir, List<String> members, Optional<Path> snapshot) {
    List<String> argv = new ArrayList<>(List.of(tar(), "-c", "-f", "-", "-C", dir.toString()));
    snapshot.ifPresent(s -> argv.add("--listed-incremental=" + s));
    argv.addAll(FLAGS);
    argv.add("--");
    argv.addAll(members);
    int devNull = open("/dev/null", Libc.O_RDWR, "tar");
    SocketPair[] pair = SocketPair.open();
    try {
      return new TarStream(
          SpawnedProcess.start(argv, new int[] {devNull, pair[1].fd(), devNull}), pair[0]);
    } catch (KernelException e) {
      pair[0].close();
      throw new JvsException("tar: " + e.getMessage(), e);
    } finally {
      Libc.close(devNull);
      pair[1].handedOver(); // tar's copy is its own: its exit ends the archive
    }
  }

  /** The archive, as tar writes it; it ends when tar does. */
  InputStream in() {
    return archive.in();
  }

  /** Waits for tar's exit status; false if it still runs after {@code seconds}. */
  boolean waitFor(long seconds) throws InterruptedException {
    return tar.waitFor(seconds, TimeUnit.SECONDS);
  }

  int exitValue() {
    return tar.exitValue();
  }

  /**
   * Kills tar if it still runs, hangs up on it and reaps it: a spawned child is reaped only when
   * waited for, so one left after a failed upload would stay a zombie of the service.
   */
  @Override
  public void close() {
    tar.destroyForcibly();
    archive.close();
    tar.waitFor();
  }

  /**
   * Unpacks the tar read from {@code in} into {@code dir}, keeping owners and permissions; fails
   * with tar's first line (a truncated stream: "Unexpected EOF in archive").
   */
  static void extract(InputStream in, Path dir, String what) {
    extract(in, dir, what, false);
  }

  /**
   * As above; {@code incremental}: the tar may be an incremental dump, whose directories' lists of
   * names remove here what was deleted there since the dump before.
   */
  static void extract(InputStream in, Path dir, String what, boolean incremental) {
    List<String> argv =
        new ArrayList<>(List.of(tar(), "-x", "-f", "-", "-C", dir.toString(), "--same-owner"));
    if (incremental) {
      argv.add("--listed-incremental=/dev/null");
    }
    argv.addAll(FLAGS);
    argv.add("--preserve-permissions");
    Path said;
    try {
      said = Files.createTempFile("jvs-tar", ".out");
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": tar: " + e.getMessage(), e);
    }
    try {
      unpack(in, argv, said, what);
    } finally {
      try {
        Files.deleteIfExists(said);
      } catch (IOException e) {
        // a temporary file of a few bytes; the next boot's /tmp cleaning takes it
      }
    }
  }

  /** Runs {@code argv} with the archive on its stdin, its output to {@code said}. */
  private static void unpack(InputStream in, List<String> argv, Path said, String what) {
    int out = open(said.toString(), Libc.O_WRONLY | Libc.O_TRUNC, what);
    SocketPair[] pair = SocketPair.open();
    SpawnedProcess p;
    try {
      p = SpawnedProcess.start(argv, new int[] {pair[1].fd(), out, out});
    } catch (KernelException e) {
      pair[0].close();
      throw new JvsException(what + ": tar: " + e.getMessage(), e);
    } finally {
      Libc.close(out);
      pair[1].handedOver();
    }
    try (SocketPair archive = pair[0]) {
      IOException copyFailure = null;
      try {
        OutputStream to = archive.out();
        in.transferTo(to);
      } catch (IOException e) {
        copyFailure = e;
      } finally {
        archive.shutdownOutput(); // tar reads the end of the archive, whole or cut short
      }
      int rc = p.waitFor();
      if (copyFailure != null) {
        throw new JvsException(what + ": the stream broke: " + copyFailure.getMessage());
      }
      if (rc != 0) {
        String text = new String(Files.readAllBytes(said), StandardCharsets.UTF_8).strip();
        throw new JvsException(
            what + ": tar: " + (text.isEmpty() ? "exit " + rc : text.lines().findFirst().get()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": tar: " + e.getMessage(), e);
    } finally {
      p.destroyForcibly();
      p.waitFor(); // reaped on every path, as close() does
    }
  }

  private static int open(String path, int flags, String what) {
    return (int) Libc.open(path, flags | Libc.O_CLOEXEC, 0600).orThrow("open", what + ": " + path);
  }

  /** GNU tar, found once. */
  private static String tar() {
    return Tar.PATH;
  }

  private static final class Tar {
    static final String PATH =
        Executables.find("tar")
            .map(Path::toString)
            .orElseThrow(() -> new JvsException("tar not found (install GNU tar)"));
  }
}
