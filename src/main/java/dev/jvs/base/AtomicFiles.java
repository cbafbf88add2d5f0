package dev.jvs.base;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Every write is atomic: a temp file beside the target, fsync, rename (DESIGN 4). Runtime state
 * (under JVS_RUN: a reboot ends every run anyway) needs the atomic rename, not the fsync.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Durable: what must survive a crash of the host (guest.conf, leases). */
  public static void write(Path target, String content) {
    write(target, content, true);
  }

  /** Atomic for every reader, not durable: runtime state, which a reboot ends anyway. */
  public static void replace(Path target, String content) {
    write(target, content, false);
  }

  private static void write(Path target, String content, boolean durable) {
    Path temp =
        target.resolveSibling(
            "."
                + target.getFileName()
                + ".tmp"
                + ProcessHandle.current().pid()
                + "-"
                + Thread.currentThread().threadId());
    try {
      try (FileChannel ch =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (durable) {
          ch.force(true);
        }
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // the original error matters more
      }
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }
}
