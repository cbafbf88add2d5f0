package dev.jvs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a test may have left on the host: mounts under its roots, its cgroup parent in any
 * hierarchy, its jvs-init processes, network namespaces and links named jvs*.
 */
public final class LeakAudit {
  private LeakAudit() {}

  public static List<String> leftovers(Path root, String cgroupParent) {
    List<String> found = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mountPoint = line.split(" ")[4];
        if (mountPoint.startsWith(root.toString())) {
          found.add("mount " + mountPoint);
        }
      }
      try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
        for (Path h : hierarchies.toList()) {
          if (Files.isDirectory(h.resolve(cgroupParent))) {
            found.add("cgroup " + h.resolve(cgroupParent));
          }
        }
      }
      try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
        // Monitors carry their control socket's path, which lies under this test's roots.
        all.filter(p -> p.info().command().map(c -> c.endsWith("/jvs-init")).orElse(false))
            .filter(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("")
                .startsWith(root.toString()))
            .forEach(p -> found.add("process jvs-init " + p.pid()));
      }
      Path netns = Path.of("/run/netns");
      if (Files.isDirectory(netns)) {
        try (Stream<Path> s = Files.list(netns)) {
          s.filter(p -> p.getFileName().toString().startsWith("jvs"))
              .forEach(p -> found.add("netns " + p.getFileName()));
        }
      }
      try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
        s.filter(p -> p.getFileName().toString().startsWith("jvs"))
            .forEach(p -> found.add("link " + p.getFileName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }
}
