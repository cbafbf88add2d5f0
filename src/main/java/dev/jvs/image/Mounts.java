package dev.jvs.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Mounts found below a directory jvs is about to delete (debootstrap mounts /proc and /sys in its
 * target; a recursive delete must never descend into a mount of the host's files).
 */
final class Mounts {
  private Mounts() {}

  static List<String> below(Path dir) {
    String prefix = dir.toAbsolutePath().normalize() + "/";
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mp = line.split(" ")[4].replace("\\040", " ");
        if (mp.startsWith(prefix) || (mp + "/").equals(prefix)) {
          out.add(mp);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparingInt(String::length).reversed());
    return out;
  }

  /** Lazily unmounts everything below {@code dir}, deepest first; fails if any stays. */
  static void unmountBelow(Path dir) {
    for (String mp : below(dir)) {
      try {
        new ProcessBuilder("umount", "-l", mp).inheritIO().start().waitFor();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!below(dir).isEmpty()) {
      throw new ImageException("cannot unmount " + below(dir) + "; not deleting " + dir);
    }
  }
}
