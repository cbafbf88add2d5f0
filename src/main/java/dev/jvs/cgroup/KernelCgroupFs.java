package dev.jvs.cgroup;

import dev.jvs.kernel.Errno;
import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.KernelFiles;
import dev.jvs.kernel.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** {@link CgroupFs} on the real filesystem. */
final class KernelCgroupFs implements CgroupFs {
  @Override
  public String read(Path file) {
    String text = readIfExists(file).orElse(null);
    if (text == null) {
      throw new CgroupException(
          name(file) + ": cannot read: no such file in " + file.getParent(),
          name(file),
          Errno.ENOENT);
    }
    return text;
  }

  /** Through {@link KernelFiles}: a look at a thousand guests reads ten thousand such files. */
  @Override
  public Optional<String> readIfExists(Path file) {
    try {
      return Optional.ofNullable(KernelFiles.readIfExists(file));
    } catch (KernelException e) {
      throw new CgroupException(
          name(file) + ": cannot read: " + Libc.strerror(e.errno()), name(file), e.errno());
    }
  }

  @Override
  public void write(Path file, String value) {
    Libc.Result fd = Libc.open(file.toString(), Libc.O_WRONLY | Libc.O_TRUNC | Libc.O_CLOEXEC, 0);
    if (fd.failed()) {
      throw CgroupException.cannotSet(name(file), value, fd.errno());
    }
    try {
      Libc.Result r = Libc.write((int) fd.value(), value.getBytes(StandardCharsets.UTF_8));
      if (r.failed()) {
        throw CgroupException.cannotSet(name(file), value, r.errno());
      }
    } finally {
      Libc.close((int) fd.value());
    }
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public boolean mkdir(Path dir) {
    Libc.Result r = Libc.mkdir(dir.toString(), 0755);
    if (r.failed() && r.errno() == Errno.EEXIST && Files.isDirectory(dir)) {
      return false;
    }
    if (r.failed()) {
      throw new CgroupException(
          "mkdir " + dir + ": " + Libc.strerror(r.errno()), dir.toString(), r.errno());
    }
    return true;
  }

  @Override
  public int rmdir(Path dir) {
    Libc.Result r = Libc.rmdir(dir.toString());
    return r.failed() ? r.errno() : 0;
  }

  @Override
  public List<Path> subdirs(Path dir) {
    if (!hasSubdirs(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new CgroupException("cannot list " + dir + ": " + e.getMessage());
    }
  }

  /**
   * kernfs keeps a directory's link count at 2 + its subdirectories: one stat answers, where a
   * listing reads a leaf cgroup's ~40 control files, or a parent's every guest, with a stat each.
   */
  @Override
  public boolean hasSubdirs(Path dir) {
    try {
      return ((Number) Files.getAttribute(dir, "unix:nlink")).intValue() != 2;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException | UnsupportedOperationException e) {
      return true; // let the listing decide
    }
  }

  private static String name(Path file) {
    return file.getFileName().toString();
  }
}
