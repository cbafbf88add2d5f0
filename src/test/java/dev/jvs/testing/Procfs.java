package dev.jvs.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What a guest's or container's mountinfo shows of its procfs instances and their masks. */
public final class Procfs {
  private Procfs() {}

  /**
   * Mount points of procfs instances (their whole tree: not the read-only binds of a part), as the
   * process whose mountinfo it is sees them.
   */
  public static List<String> mounts(List<String> mountinfo) {
    List<String> points = new ArrayList<>();
    for (String line : mountinfo) {
      if (line.substring(line.indexOf(" - ") + 3).startsWith("proc ")
          && line.split(" ")[3].equals("/")) {
        points.add(line.split(" ")[4]);
      }
    }
    return points;
  }

  /**
   * Procfs instances in a mountinfo whose sys is not a read-only mount or whose kcore, keys or
   * timer_list (those this kernel has) is not covered.
   */
  public static List<String> unprotected(List<String> mountinfo) {
    List<String> found = new ArrayList<>();
    for (String point : mounts(mountinfo)) {
      String p = point.equals("/") ? "" : point;
      List<String> covered = new ArrayList<>();
      for (String line : mountinfo) {
        String[] f = line.split(" ");
        if (f[4].equals(p + "/sys")) {
          if (List.of(f[5].split(",")).contains("ro")) {
            covered.add("sys");
          }
        } else if (f[4].startsWith(p + "/")) {
          covered.add(f[4].substring(p.length() + 1));
        }
      }
      for (String name : List.of("sys", "kcore", "keys", "timer_list")) {
        if (!covered.contains(name) && Files.exists(Path.of("/proc", name))) {
          found.add(p + "/" + name + (name.equals("sys") ? " is writable" : " is not masked"));
        }
      }
    }
    return found;
  }
}
