package dev.jvs.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed state files of a long-lived runtime (the service answers `jvs list` and `jvs stat` for
 * every guest): a file is read and parsed again only when its inode, size or mtime changed, so a
 * guest that did not start or stop since costs one stat instead of an open, two reads, a close and
 * a JSON parse. state.json is only ever replaced by rename, which gives it a new inode.
 */
final class StateCache {
  private record Version(Object fileKey, long size, FileTime modified) {}

  private record Parsed(Version version, InstanceState state) {}

  /**
   * Past this many entries the cache starts over: instances removed by another process (a CLI
   * without the service) are never read here again, and a service that runs for months must not
   * keep one entry for each. Well above the 1000 guests of `jvs bench density`.
   */
  static final int MAX_ENTRIES = 8192;

  private final Map<Path, Parsed> parsed = new ConcurrentHashMap<>();
  private final int maxEntries;

  StateCache() {
    this(MAX_ENTRIES);
  }

  StateCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  Optional<InstanceState> read(Path stateDir) {
    Path file = stateDir.resolve(StateFile.NAME);
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (IOException e) {
      parsed.remove(stateDir);
      return StateFile.read(stateDir); // none, or an error naming the file
    }
    Version version = new Version(attrs.fileKey(), attrs.size(), attrs.lastModifiedTime());
    Parsed cached = parsed.get(stateDir);
    if (cached != null && cached.version().equals(version)) {
      return Optional.of(cached.state());
    }
    // Replaced between the stat and the read: cached under the older version, read again next time.
    Optional<InstanceState> state = StateFile.read(stateDir);
    if (state.isPresent()) {
      if (parsed.size() >= maxEntries) {
        parsed.clear();
      }
      parsed.put(stateDir, new Parsed(version, state.get()));
    } else {
      parsed.remove(stateDir);
    }
    return state;
  }

  /** Drops an instance whose state this process removed. */
  void forget(Path stateDir) {
    parsed.remove(stateDir);
  }

  int size() {
    return parsed.size();
  }
}
