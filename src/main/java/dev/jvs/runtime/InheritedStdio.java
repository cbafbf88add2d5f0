package dev.jvs.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stdio an instance's first process got from the host, which criu cannot dump as its own: the
 * pipe to its monitor (criu's key {@code pipe:[INODE]}) and files opened outside the guest's mount
 * namespace, such as the host's /dev/null (key {@code file[MNT_ID:INODE]}, hex). criu dumps them as
 * external objects and a restore hands it fresh fds for the same keys.
 *
 * @param keys fd number (0, 1, 2) to its criu key, only for the external ones
 */
public record InheritedStdio(Map<Integer, String> keys) {
  public InheritedStdio {
    keys = Map.copyOf(keys);
  }

  /** Reads the stdio of {@code pid} from /proc. */
  public static InheritedStdio of(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    Set<String> ownMounts = mountIds(proc.resolve("mountinfo"));
    Map<Integer, String> keys = new LinkedHashMap<>();
    for (int fd = 0; fd <= 2; fd++) {
      Path link = proc.resolve("fd").resolve(Integer.toString(fd));
      try {
        String target = Files.readSymbolicLink(link).toString();
        if (target.startsWith("pipe:[")) {
          keys.put(fd, target);
          continue;
        }
        String mnt = fdinfo(proc, fd, "mnt_id:");
        if (!ownMounts.contains(mnt)) {
          long inode = (Long) Files.getAttribute(link, "unix:ino");
          keys.put(
              fd,
              "file["
                  + Long.toHexString(Long.parseLong(mnt))
                  + ":"
                  + Long.toHexString(inode)
                  + "]");
        }
      } catch (java.nio.file.NoSuchFileException e) {
        // a closed fd needs nothing
      } catch (IOException e) {
        throw new UncheckedIOException(link + ": " + e.getMessage(), e);
      }
    }
    return new InheritedStdio(keys);
  }

  /** The distinct keys, each once ({@code --external KEY} of a dump). */
  public Set<String> distinctKeys() {
    return new HashSet<>(keys.values());
  }

  /** As properties lines: "fd.N=KEY". */
  public Map<String, String> asProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    keys.forEach((fd, key) -> p.put("fd." + fd, key));
    return p;
  }

  public static InheritedStdio fromProperties(Map<String, String> p) {
    Map<Integer, String> keys = new LinkedHashMap<>();
    p.forEach(
        (k, v) -> {
          if (k.startsWith("fd.")) {
            keys.put(Integer.parseInt(k.substring(3)), v);
          }
        });
    return new InheritedStdio(keys);
  }

  private static String fdinfo(Path proc, int fd, String field) throws IOException {
    for (String line : Files.readAllLines(proc.resolve("fdinfo").resolve(Integer.toString(fd)))) {
      if (line.startsWith(field)) {
        return line.substring(field.length()).strip();
      }
    }
    throw new IOException("no " + field + " in fdinfo of fd " + fd);
  }

  private static Set<String> mountIds(Path mountinfo) {
    Set<String> ids = new HashSet<>();
    try {
      for (String line : Files.readAllLines(mountinfo)) {
        ids.add(line.substring(0, line.indexOf(' ')));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(mountinfo + ": " + e.getMessage(), e);
    }
    return ids;
  }

  /**
   * The fds a restore passes for these keys when it has the same stdio as the dump's: each key on
   * the first of fds 0, 1, 2 that held it.
   */
  public List<String> inheritArgumentsToTheSameFds() {
    Map<String, Integer> byKey = new LinkedHashMap<>();
    new java.util.TreeMap<>(keys).forEach((fd, key) -> byKey.putIfAbsent(key, fd));
    return byKey.entrySet().stream()
        .flatMap(e -> List.of("--inherit-fd", "fd[" + e.getValue() + "]:" + e.getKey()).stream())
        .toList();
  }

  /** The fds a restore passes for these keys: stdin's, then the output's (stdout and stderr). */
  public List<String> inheritArguments(int stdinFd, int outputFd) {
    Map<String, Integer> byKey = new LinkedHashMap<>();
    keys.forEach((fd, key) -> byKey.putIfAbsent(key, fd == 0 ? stdinFd : outputFd));
    return byKey.entrySet().stream()
        .flatMap(e -> List.of("--inherit-fd", "fd[" + e.getValue() + "]:" + e.getKey()).stream())
        .toList();
  }
}
