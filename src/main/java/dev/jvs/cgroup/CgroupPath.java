package dev.jvs.cgroup;

import java.util.regex.Pattern;

/**
 * A guest's place below a hierarchy root: {@code parent} (one or more components, e.g. "jvs" or
 * "jvs-1a2b3c4d"; empty for a cgroup directly below the root, as an OCI cgroupsPath "/name" asks)
 * and {@code name}. Checked so that no value can climb out of the tree or land on a control file.
 */
record CgroupPath(String parent, String name) {
  private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_@:+-][A-Za-z0-9_.@:+-]*");

  CgroupPath {
    if (parent == null || !parent.isEmpty()) {
      checkParent(parent);
    }
    checkComponent(name);
  }

  static void checkParent(String parent) {
    if (parent == null || parent.isEmpty()) {
      throw new IllegalArgumentException("cgroup parent must not be empty");
    }
    for (String c : parent.split("/", -1)) {
      checkComponent(c);
    }
  }

  private static void checkComponent(String c) {
    if (c == null || c.length() > 255 || !COMPONENT.matcher(c).matches()) {
      throw new IllegalArgumentException("not a usable cgroup name: '" + c + "'");
    }
  }

  /** Relative to a hierarchy root: "jvs/web1". */
  String relative() {
    return parent.isEmpty() ? name : parent + "/" + name;
  }

  /** As users see it: "/jvs/web1". */
  String display() {
    return "/" + relative();
  }
}
