package dev.jvs.guest;

import dev.jvs.base.JvsException;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.guest.config.GuestConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** Where a root keeps its guests on disk: their guest.conf files and names. */
final class GuestFiles {
  private final JvsDirs dirs;
  private final ConfigFile configFile;
  private final Map<GuestName, Parsed> parsed = new ConcurrentHashMap<>();

  GuestFiles(JvsDirs dirs, ConfigFile configFile) {
    this.dirs = dirs;
    this.configFile = configFile;
  }

  ConfigFile configFile() {
    return configFile;
  }

  void requireExists(GuestName name) {
    if (!Files.isRegularFile(configPath(name))) {
      throw new JvsException(name + ": no such guest");
    }
  }

  Path configPath(GuestName name) {
    return dirs.guest(name).resolve(ConfigFile.FILE_NAME);
  }

  /**
   * The guest's parsed guest.conf. A long-lived runtime (the service) answers `jvs list` from a
   * cache: the file is parsed again only when its inode, size or mtime changed (jvs replaces it by
   * rename; an editor changes its mtime).
   */
  GuestConfig config(GuestName name) {
    return config(name, false);
  }

  /**
   * As {@link #config}, "no such guest" when there is no guest.conf: one stat where {@link
   * #requireExists} and then {@link #config} take two (`jvs list` asks for every guest).
   */
  GuestConfig existingConfig(GuestName name) {
    return config(name, true);
  }

  private GuestConfig config(GuestName name, boolean mustExist) {
    Path file = configPath(name);
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (IOException e) {
      parsed.remove(name);
      if (mustExist && e instanceof NoSuchFileException) {
        throw new JvsException(name + ": no such guest");
      }
      return configFile.read(file, name.value()); // reports the missing or unreadable file
    }
    Version version = new Version(attrs.fileKey(), attrs.size(), attrs.lastModifiedTime());
    Parsed cached = parsed.get(name);
    if (cached != null && cached.version().equals(version)) {
      return cached.config();
    }
    GuestConfig config = configFile.read(file, name.value());
    parsed.put(name, new Parsed(version, config));
    return config;
  }

  private record Version(Object fileKey, long size, FileTime modified) {}

  private record Parsed(Version version, GuestConfig config) {}

  /** Guests that exist (have a directory under guests/). */
  List<GuestName> names() {
    return listNames(dirs.guests());
  }

  /** Guests with a run directory (running, or left by one that was). */
  List<GuestName> runNames() {
    return listNames(dirs.runGuests());
  }

  private static List<GuestName> listNames(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .map(GuestName::of)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
