package dev.jvs.guest;

import dev.jvs.base.AtomicFiles;
import dev.jvs.base.JvsException;
import dev.jvs.kernel.FileLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Which unprivileged guest owns which id range: one small file ({@code NAME BASE} lines) under
 * JVS_ROOT, changed only under its lock, so two guests never get overlapping ranges and a deleted
 * guest's range is handed out again.
 */
public final class IdRanges {
  public static final String FILE_NAME = "idranges";

  /** Compiled once: a start reads a line per guest on the host (String.split compiles per call). */
  private static final Pattern FIELDS = Pattern.compile("\\s+");

  private final Path file;
  private final Path lockFile;
  private final Supplier<List<IdRange>> windows;

  public IdRanges(Path root) {
    this(root, SubordinateIds::windows);
  }

  public IdRanges(Path root, Supplier<List<IdRange>> windows) {
    this.file = root.resolve(FILE_NAME);
    this.lockFile = root.resolve("." + FILE_NAME + ".lock");
    this.windows = windows;
  }

  /** The guest's range, if it has one. */
  public Optional<IdRange> find(GuestName name) {
    return Optional.ofNullable(read().get(name.value()));
  }

  /** The guest's range: the one it has, or the lowest free slot of the windows. */
  public IdRange acquire(GuestName name) {
    try (FileLock lock = lock()) {
      Map<String, IdRange> owned = read();
      IdRange mine = owned.get(name.value());
      if (mine != null) {
        return mine;
      }
      IdRange free = free(owned.values()).orElseThrow(() -> exhausted(name));
      owned.put(name.value(), free);
      write(owned);
      return free;
    }
  }

  /**
   * Gives the guest {@code wanted} (a checkpoint's, whose images hold it): its own range already,
   * or a free one inside the windows; anything else is refused in one line naming why.
   */
  public IdRange claim(GuestName name, IdRange wanted) {
    try (FileLock lock = lock()) {
      Map<String, IdRange> owned = read();
      if (wanted.equals(owned.get(name.value()))) {
        return wanted;
      }
      requireClaimable(name, wanted, owned);
      owned.put(name.value(), wanted);
      write(owned);
      return wanted;
    }
  }

  /** Refuses, in one line, what {@link #claim} would refuse; changes nothing. */
  public void requireClaimable(GuestName name, IdRange wanted) {
    try (FileLock lock = lock()) {
      Map<String, IdRange> owned = read();
      if (!wanted.equals(owned.get(name.value()))) {
        requireClaimable(name, wanted, owned);
      }
    }
  }

  private void requireClaimable(GuestName name, IdRange wanted, Map<String, IdRange> owned) {
    String refused =
        name + ": its checkpoint ran with host ids " + wanted + " (criu restores that map), but ";
    IdRange mine = owned.get(name.value());
    if (mine != null) {
      throw new JvsException(refused + "this host gave it " + mine + " (" + file + ")");
    }
    for (Map.Entry<String, IdRange> e : owned.entrySet()) {
      if (e.getValue().overlaps(wanted)) {
        throw new JvsException(
            refused + "guest " + e.getKey() + " holds " + e.getValue() + " here (" + file + ")");
      }
    }
    if (windows.get().stream().noneMatch(wanted::within)) {
      throw new JvsException(
          refused + "they are outside root's /etc/subuid and /etc/subgid (or the default window)");
    }
  }

  /** Frees the guest's range (after delete). */
  public void release(GuestName name) {
    try (FileLock lock = lock()) {
      Map<String, IdRange> owned = read();
      if (owned.remove(name.value()) != null) {
        write(owned);
      }
    }
  }

  /**
   * The lowest free slot, in one sweep over the taken ranges sorted by base: every range has {@link
   * IdRange#SIZE} ids, so sorted by base they are sorted by end too. (Checking every slot against
   * every range cost a start O(N²) with N guests: 1000 of them spent most of their starts here.)
   */
  private Optional<IdRange> free(java.util.Collection<IdRange> taken) {
    List<IdRange> byBase =
        taken.stream().sorted(java.util.Comparator.comparingLong(IdRange::base)).toList();
    for (IdRange w : windows.get()) {
      int next = 0; // the first range that does not end at or below the slot
      for (long base = w.base(); base + IdRange.SIZE <= w.end(); base += IdRange.SIZE) {
        while (next < byBase.size() && byBase.get(next).end() <= base) {
          next++;
        }
        if (next == byBase.size() || byBase.get(next).base() >= base + IdRange.SIZE) {
          return Optional.of(new IdRange(base, IdRange.SIZE));
        }
      }
    }
    return Optional.empty();
  }

  private JvsException exhausted(GuestName name) {
    return new JvsException(
        name
            + ": no free range of "
            + IdRange.SIZE
            + " ids left in root's /etc/subuid and /etc/subgid entries (or the default window)");
  }

  private FileLock lock() {
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(file.getParent() + ": " + e.getMessage(), e);
    }
    return FileLock.acquire(lockFile);
  }

  private Map<String, IdRange> read() {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      return new LinkedHashMap<>();
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
    Map<String, IdRange> owned = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = FIELDS.split(line);
      try {
        owned.put(f[0], new IdRange(Long.parseLong(f[1]), IdRange.SIZE));
      } catch (RuntimeException bad) {
        throw new JvsException(
            file + ":" + (i + 1) + ": expected 'NAME BASE', found '" + line + "'");
      }
    }
    return owned;
  }

  private void write(Map<String, IdRange> owned) {
    List<String> lines = new ArrayList<>();
    lines.add("# unprivileged guests' id ranges (" + IdRange.SIZE + " ids each): NAME BASE");
    owned.forEach((n, r) -> lines.add(n + " " + r.base()));
    AtomicFiles.write(file, String.join("\n", lines) + "\n");
  }
}
