package dev.jvs.cgroup;

import java.nio.file.Path;

/**
 * Enables the cgroup2 hugetlb controller down to a cgroup (v2 hosts, and the cgroup2 mount of a
 * hybrid host, where hugetlb is the controller this host left there). Only done when a huge page
 * limit is asked for, so the subtree_control of the root is touched only then.
 */
final class V2Hugetlb {
  private V2Hugetlb() {}

  /** Writes +hugetlb into the subtree_control of every ancestor of {@code dir} that lacks it. */
  static void enable(CgroupFs fs, Path dir, String relative) {
    int depth = relative.split("/").length;
    Path root = dir;
    for (int i = 0; i < depth; i++) {
      root = root.getParent();
    }
    Path at = root;
    for (String c : relative.split("/")) {
      Path control = at.resolve("cgroup.subtree_control");
      if (!CgroupV2Driver.words(fs.read(control)).contains("hugetlb")) {
        if (!CgroupV2Driver.words(fs.read(at.resolve("cgroup.controllers"))).contains("hugetlb")) {
          throw new CgroupException(
              "hugetlb: the controller is not available in " + at, "cgroup.controllers", 0);
        }
        fs.write(control, "+hugetlb");
      }
      at = at.resolve(c);
    }
  }
}
