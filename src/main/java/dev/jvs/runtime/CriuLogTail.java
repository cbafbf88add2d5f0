package dev.jvs.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether criu's log, as criu writes it, has come to a line holding {@code text}: read on from
 * where the last look stopped, so a look every few ms costs what was added since. criu writes each
 * message of its log with a write(2) of its own, as it goes.
 */
final class CriuLogTail {
  private final Path log;
  private final String text;
  private long position;
  private String carried = ""; // the end of the last read, in case text spans two reads
  private boolean reached;

  CriuLogTail(Path log, String text) {
    this.log = log;
    this.text = text;
  }

  /** Whether the log holds {@code text} by now (an absent log holds nothing yet). */
  boolean reached() {
    if (reached) {
      return true;
    }
    try (FileChannel in = FileChannel.open(log, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(64 << 10);
      for (int n = in.read(buf, position); n > 0; n = in.read(buf.clear(), position)) {
        position += n;
        String chunk = carried + new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1);
        if (chunk.contains(text)) {
          reached = true;
          return true;
        }
        carried = chunk.substring(Math.max(0, chunk.length() - text.length() + 1));
      }
      return false;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(log + ": " + e.getMessage(), e);
    }
  }
}
