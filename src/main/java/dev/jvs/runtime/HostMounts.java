package dev.jvs.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mounts a container without a mount namespace (runtime-spec: it inherits the runtime's) made
 * on the host below its rootfs. They cannot vanish with a namespace, so {@code create} records the
 * mount ids present before, and {@code delete} (or a failed create) lazily unmounts the rest,
 * newest first; mounts that were there before (an overlay rootfs) are never touched.
 */
final class HostMounts {
  private static final String FILE = "host-mounts";

  private HostMounts() {}

  /** Records {@code rootfs} and the ids of the mounts at or below it in {@code stateDir}. */
  static void record(Path stateDir, Path rootfs) {
    try {
      Files.createDirectories(stateDir);
      List<String> lines = new ArrayList<>(List.of(rootfs.toAbsolutePath().normalize().toString()));
      below(rootfs).forEach(m -> lines.add(m.id));
      Files.write(stateDir.resolve(FILE), lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Unmounts what appeared below the recorded rootfs since {@link #record}; nothing if never. */
  static void unmountNew(Path stateDir) {
    Path file = stateDir.resolve(FILE);
    if (!Files.exists(file)) {
      return;
    }
    try {
      List<String> lines = Files.readAllLines(file);
      Set<String> before = new TreeSet<>(lines.subList(1, lines.size()));
      List<Mount> now = below(Path.of(lines.getFirst()));
      for (int i = now.size() - 1; i >= 0; i--) {
        if (!before.contains(now.get(i).id)) {
          umount(now.get(i).point);
        }
      }
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record Mount(String id, String point) {}

  /** In mountinfo order (a mount comes after the one it is stacked on). */
  private static List<Mount> below(Path rootfs) throws IOException {
    String dir = rootfs.toAbsolutePath().normalize().toString();
    List<Mount> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      String point = f[4].replace("\\040", " ");
      if (point.equals(dir) || point.startsWith(dir + "/")) {
        out.add(new Mount(f[0], point));
      }
    }
    return out;
  }

  private static void umount(String point) {
    try {
      new ProcessBuilder("umount", "-l", point)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
