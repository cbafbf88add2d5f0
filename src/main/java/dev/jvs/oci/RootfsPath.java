package dev.jvs.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A container path resolved inside its rootfs, following symlinks as the container would see them
 * (an absolute link target is relative to the rootfs, ".." stops at its root), so a mount target
 * like /var/run -> /run never lands on the host's /run.
 *
 * @param host the resolved path on the host
 * @param missing the directories to create, outermost first (the last may be the target itself)
 */
record RootfsPath(Path host, List<Path> missing) {
  private static final int MAX_LINKS = 40;

  static RootfsPath resolve(Path rootfs, String containerPath) {
    Deque<String> todo = new ArrayDeque<>(split(containerPath));
    List<String> done = new ArrayList<>();
    List<Path> missing = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.pollFirst();
      if (part.equals("..")) {
        if (!done.isEmpty()) {
          done.removeLast();
        }
        continue;
      }
      Path candidate = join(rootfs, done).resolve(part);
      if (missing.isEmpty() && Files.isSymbolicLink(candidate)) {
        if (++links > MAX_LINKS) {
          throw new OciException(containerPath + ": too many levels of symbolic links");
        }
        String target;
        try {
          target = Files.readSymbolicLink(candidate).toString();
        } catch (IOException e) {
          throw new OciException(containerPath + ": " + e.getMessage(), e);
        }
        if (target.startsWith("/")) {
          done.clear();
        }
        List<String> parts = split(target);
        for (int i = parts.size() - 1; i >= 0; i--) {
          todo.addFirst(parts.get(i));
        }
        continue;
      }
      done.add(part);
      if (!missing.isEmpty() || !Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
        missing.add(candidate);
      }
    }
    return new RootfsPath(join(rootfs, done), missing);
  }

  private static List<String> split(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/")) {
      if (!p.isEmpty() && !p.equals(".")) {
        parts.add(p);
      }
    }
    return parts;
  }

  private static Path join(Path rootfs, List<String> parts) {
    Path p = rootfs;
    for (String s : parts) {
      p = p.resolve(s);
    }
    return p;
  }
}
