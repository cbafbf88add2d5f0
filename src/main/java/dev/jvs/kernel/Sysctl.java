package dev.jvs.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads /proc/sys files. They must be read in one read(2) from offset 0: the kernel's number
 * handlers return nothing at a later offset, so Files.readString, which reads a file of size 0 a
 * byte at first, sees "8" of "8388608".
 */
public final class Sysctl {
  private Sysctl() {}

  public static String read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(65536), StandardCharsets.UTF_8).strip();
    }
  }

  public static long readLong(Path file) throws IOException {
    try {
      return Long.parseLong(read(file));
    } catch (NumberFormatException e) {
      throw new IOException(file + ": not a number", e);
    }
  }
}
