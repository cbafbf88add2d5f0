package dev.jvs.migrate;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * GNU tar as the wire format of a migration: numeric owners, and the trusted.* xattrs overlayfs
 * keeps in a private layer (opaque directories), so the layer lands as it was; whiteouts are
 * character devices, which tar carries as they are.
 *
 * <p>The private layer goes twice: whole while the guest still runs, then, frozen, what changed
 * since (GNU tar's listed-incremental dumps: the second holds the files changed or made since the
 * first began, and each directory's list of names, by which the unpacking removes what was
 * deleted).
 */
final class TarStream {
  private static final List<String> FLAGS =
      List.of("--numeric-owner", "--xattrs", "--xattrs-include=trusted.*", "--sparse");

  private TarStream() {}

  /** A running tar writing {@code members} of {@code dir} to its stdout. */
  static Process create(Path dir, List<String> members) {
    return create(dir, members, Optional.empty());
  }

  /**
   * As above; with {@code snapshot} an incremental dump: the first made with a snapshot file holds
   * everything and records what it saw there, the next one what changed since.
   */
  static Process create(Path dir, List<String> members, Optional<Path> snapshot) {
    List<String> cmd = new ArrayList<>(List.of("tar", "-c", "-f", "-", "-C", dir.toString()));
    snapshot.ifPresent(s -> cmd.add("--listed-incremental=" + s));
    cmd.addAll(FLAGS);
    cmd.add("--");
    cmd.addAll(members);
    try {
      return new ProcessBuilder(cmd)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("tar: " + e.getMessage(), e);
    }
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
    List<String> cmd =
        new ArrayList<>(List.of("tar", "-x", "-f", "-", "-C", dir.toString(), "--same-owner"));
    if (incremental) {
      cmd.add("--listed-incremental=/dev/null");
    }
    cmd.addAll(FLAGS);
    cmd.add("--preserve-permissions");
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": tar: " + e.getMessage(), e);
    }
    IOException copyFailure = null;
    try (OutputStream out = p.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      copyFailure = e;
    }
    try {
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      int rc = p.waitFor();
      if (copyFailure != null) {
        p.destroyForcibly();
        throw new JvsException(what + ": the stream broke: " + copyFailure.getMessage());
      }
      if (rc != 0) {
        throw new JvsException(
            what + ": tar: " + (said.isEmpty() ? "exit " + rc : said.lines().findFirst().get()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": tar: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new JvsException(what + ": interrupted");
    }
  }
}
