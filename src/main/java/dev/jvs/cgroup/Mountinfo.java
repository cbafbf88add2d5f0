package dev.jvs.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The lines of /proc/self/mountinfo that matter here (proc(5)). */
final class Mountinfo {
  /** One mount: its mount point, filesystem type and superblock options. */
  record Mount(Path mountPoint, String fsType, List<String> superOptions) {
    Mount {
      superOptions = List.copyOf(superOptions);
    }
  }

  private Mountinfo() {}

  /**
   * Parses "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"; the
   * optional fields vary in number, so the separator "-" anchors the rest.
   */
  static List<Mount> parse(String text) {
    List<Mount> mounts = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      List<String> f = Arrays.asList(line.split(" "));
      int dash = f.indexOf("-");
      if (dash < 6 || f.size() < dash + 4) {
        throw new IllegalArgumentException("malformed mountinfo line: " + line);
      }
      mounts.add(
          new Mount(
              Path.of(unescape(f.get(4))),
              f.get(dash + 1),
              Arrays.asList(f.get(dash + 3).split(","))));
    }
    return mounts;
  }

  /** The kernel writes space, tab, newline and backslash in paths as \ooo octal escapes. */
  static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
