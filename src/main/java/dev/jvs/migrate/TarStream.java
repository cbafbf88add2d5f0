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

/**
 * GNU tar as the wire format of a migration: numeric owners, and the trusted.* xattrs overlayfs
 * keeps in a private layer (opaque directories), so the layer lands as it was; whiteouts are
 * character devices, which tar carries as they are.
 */
final class TarStream {
  private static final List<String> FLAGS =
      List.of("--numeric-owner", "--xattrs", "--xattrs-include=trusted.*", "--sparse");

  private TarStream() {}

  /** A running tar writing {@code members} of {@code dir} to its stdout. */
  static Process create(Path dir, List<String> members) {
    List<String> cmd = new ArrayList<>(List.of("tar", "-c", "-f", "-", "-C", dir.toString()));
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
    List<String> cmd =
        new ArrayList<>(List.of("tar", "-x", "-f", "-", "-C", dir.toString(), "--same-owner"));
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
