package dev.jvs.cgroup;

import dev.jvs.kernel.Errno;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A cgroup filesystem in a temporary directory: mkdir creates the control files the kernel would
 * (as given per directory), cgroup.subtree_control behaves like v2's, every write is logged, and
 * rmdir removes the control files. Reads and writes go to real files.
 */
class FakeCgroupFs implements CgroupFs {
  private final CgroupFs real = new KernelCgroupFs();
  private final Path root;
  private final Function<Path, Map<String, String>> newFiles;
  private final List<String> writes = new ArrayList<>();

  /** {@code newFiles} gives the control files of a new cgroup directory. */
  FakeCgroupFs(Path root, Function<Path, Map<String, String>> newFiles) {
    this.root = root;
    this.newFiles = newFiles;
  }

  /** Writes so far, as "relative/path/file=value". */
  List<String> writes() {
    return List.copyOf(writes);
  }

  void clearWrites() {
    writes.clear();
  }

  /** Kernel-side checks a test wants to emulate; throw CgroupException to refuse a write. */
  void check(Path file, String value) {}

  @Override
  public String read(Path file) {
    return real.read(file);
  }

  @Override
  public Optional<String> readIfExists(Path file) {
    return real.readIfExists(file);
  }

  @Override
  public void write(Path file, String value) {
    writes.add(root.relativize(file) + "=" + value);
    if (!Files.exists(file)) {
      throw CgroupException.cannotSet(file.getFileName().toString(), value, Errno.ENOENT);
    }
    check(file, value);
    if (file.getFileName().toString().equals("cgroup.subtree_control")) {
      real.write(file, subtreeControl(file, value));
    } else {
      real.write(file, value);
    }
  }

  /** Like the kernel: "+c -d" edits the enabled set; only available controllers can be added. */
  private String subtreeControl(Path file, String value) {
    TreeSet<String> enabled = new TreeSet<>(CgroupV2Driver.words(real.read(file)));
    var available = CgroupV2Driver.words(real.read(file.resolveSibling("cgroup.controllers")));
    for (String w : value.strip().split("\\s+")) {
      String c = w.substring(1);
      if (w.startsWith("+") && !available.contains(c)) {
        throw CgroupException.cannotSet("cgroup.subtree_control", value, Errno.ENOENT);
      }
      if (w.startsWith("+")) {
        enabled.add(c);
      } else {
        enabled.remove(c);
      }
    }
    return String.join(" ", enabled);
  }

  @Override
  public boolean exists(Path path) {
    return real.exists(path);
  }

  @Override
  public boolean mkdir(Path dir) {
    boolean created = real.mkdir(dir);
    if (created) {
      try {
        for (var e : newFiles.apply(dir).entrySet()) {
          Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return created;
  }

  @Override
  public int rmdir(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Errno.ENOENT;
    }
    if (!subdirs(dir).isEmpty()) {
      return Errno.EBUSY;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return 0;
  }

  @Override
  public List<Path> subdirs(Path dir) {
    return real.subdirs(dir);
  }
}
