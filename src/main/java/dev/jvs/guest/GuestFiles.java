package dev.jvs.guest;

import dev.jvs.base.JvsException;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.guest.config.GuestConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where a root keeps its guests on disk: their guest.conf files and names. */
final class GuestFiles {
  private final JvsDirs dirs;
  private final ConfigFile configFile;

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

  GuestConfig config(GuestName name) {
    return configFile.read(configPath(name), name.value());
  }

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
