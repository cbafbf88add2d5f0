package dev.jvs.image;

import dev.jvs.base.JvsException;
import dev.jvs.kernel.FileLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Read-only template root filesystems under $JVS_ROOT/templates/NAME/rootfs. A template appears
 * only complete: it is built beside its final place and renamed into it.
 */
public final class Templates {
  private final Path dir;

  public Templates(Path dir) {
    this.dir = dir;
  }

  public Path rootfs(String name) {
    return dir.resolve(name).resolve("rootfs");
  }

  /** The template's rootfs, building the built-in busybox template on first use. */
  public Path ensure(String name) {
    Path rootfs = rootfs(name);
    if (Files.isDirectory(rootfs)) {
      return rootfs;
    }
    if (!name.equals(BusyboxTemplate.NAME)) {
      throw new JvsException("unknown template '" + name + "'");
    }
    try {
      Files.createDirectories(dir);
      try (FileLock lock = FileLock.acquire(dir.resolve(".lock"))) {
        if (Files.isDirectory(rootfs)) {
          return rootfs;
        }
        Path staging = Files.createTempDirectory(dir, "." + name + ".build-");
        try {
          BusyboxTemplate.build(staging.resolve("rootfs"));
          Files.move(staging, dir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Trees.deleteIfExists(staging);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("template " + name + ": " + e.getMessage(), e);
    }
    return rootfs;
  }
}
