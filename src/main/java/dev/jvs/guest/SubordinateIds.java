package dev.jvs.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where guests' ids may come from: root's entries in /etc/subuid and /etc/subgid (shadow's format,
 * {@code root:START:COUNT} or {@code 0:START:COUNT}), the ranges both files grant; without any
 * entry for root in either file, the documented default window (docs/security.md).
 */
public final class SubordinateIds {
  /** Above the ids distributions hand out to users and below systemd's dynamic ones. */
  public static final IdRange DEFAULT_WINDOW = new IdRange(1_000_000, IdRange.SIZE * 16_384);

  private SubordinateIds() {}

  /** The windows for this host's files. */
  public static List<IdRange> windows() {
    return windows(Path.of("/etc/subuid"), Path.of("/etc/subgid"));
  }

  /**
   * Ranges granted to root by both files (intersected), or the default window if neither has any.
   */
  public static List<IdRange> windows(Path subuid, Path subgid) {
    List<IdRange> users = rootRanges(subuid);
    List<IdRange> groups = rootRanges(subgid);
    if (users.isEmpty() && groups.isEmpty()) {
      return List.of(DEFAULT_WINDOW);
    }
    List<IdRange> both = new ArrayList<>();
    for (IdRange u : users) {
      for (IdRange g : groups) {
        long start = Math.max(u.base(), g.base());
        long end = Math.min(u.end(), g.end());
        if (end > start) {
          both.add(new IdRange(start, end - start));
        }
      }
    }
    return both;
  }

  private static List<IdRange> rootRanges(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
    List<IdRange> ranges = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.strip().split(":");
      if (f.length != 3 || !(f[0].equals("root") || f[0].equals("0"))) {
        continue; // other users' lines, comments
      }
      try {
        long start = Long.parseLong(f[1]);
        long count = Long.parseLong(f[2]);
        if (start > 0 && count > 0) {
          ranges.add(new IdRange(start, count));
        }
      } catch (IllegalArgumentException malformed) {
        // shadow's tools skip such a line as well
      }
    }
    return ranges;
  }
}
