package dev.jvs.cgroup;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * cgroup v1: one directory per hierarchy. On a hybrid host the cgroup2 mount gets a twin directory
 * too, so cgroup BPF programs (socket hooks) can be attached per guest.
 */
public final class CgroupV1Driver implements CgroupDriver {
  private static final System.Logger LOG = System.getLogger(CgroupV1Driver.class.getName());

  private final CgroupFs fs;
  private final List<V1Hierarchy> hierarchies;
  private final Path cgroup2;

  public CgroupV1Driver(CgroupMounts mounts) {
    this(mounts, new KernelCgroupFs());
  }

  CgroupV1Driver(CgroupMounts mounts, CgroupFs fs) {
    if (mounts.v1().isEmpty()) {
      throw new IllegalArgumentException("no v1 controller mounted");
    }
    this.fs = fs;
    this.hierarchies = mounts.hierarchies();
    this.cgroup2 = mounts.cgroup2Mount().orElse(null);
  }

  @Override
  public String kind() {
    return "v1";
  }

  @Override
  public String describe() {
    String where =
        hierarchies.stream().map(V1Hierarchy::toString).collect(Collectors.joining("; "));
    return cgroup2 == null ? "v1: " + where : "v1 (hybrid; cgroup2 at " + cgroup2 + "): " + where;
  }

  /** The cgroup2 mount of a hybrid host. */
  public Optional<Path> cgroup2Mount() {
    return Optional.ofNullable(cgroup2);
  }

  @Override
  public Cgroup create(String parent, String name) {
    CgroupPath path = new CgroupPath(parent, name);
    CgroupTree.retryIfParentVanishes(() -> hierarchies.forEach(h -> mkdirs(h, path)));
    if (cgroup2 != null) {
      try {
        CgroupTree.mkdirs(fs, cgroup2, path.relative());
      } catch (CgroupException e) {
        // Only BPF hooks live there; the guest still runs, without them.
        LOG.log(Level.WARNING, "no cgroup2 twin for " + path.display() + ": " + e.getMessage());
      }
    }
    return cgroup(path);
  }

  private void mkdirs(V1Hierarchy h, CgroupPath path) {
    Path dir = h.mount();
    for (String c : path.relative().split("/")) {
      Path child = dir.resolve(c);
      fs.mkdir(child);
      if (h.has("cpuset")) {
        inheritCpuset(dir, child);
      }
      dir = child;
    }
  }

  /**
   * A new v1 cpuset starts with empty cpus and mems (clone_children is off), and a task cannot join
   * an empty cpuset, so copy the parent's.
   */
  private void inheritCpuset(Path parent, Path child) {
    for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
      if (fs.read(child.resolve(file)).isBlank()) {
        fs.write(child.resolve(file), fs.read(parent.resolve(file)).strip());
      }
    }
  }

  @Override
  public Optional<Cgroup> find(String parent, String name) {
    CgroupPath path = new CgroupPath(parent, name);
    for (Path dir : parentDirs(path.relative())) {
      if (fs.exists(dir)) {
        return Optional.of(cgroup(path));
      }
    }
    return Optional.empty();
  }

  @Override
  public List<String> children(String parent) {
    CgroupPath.checkParent(parent);
    TreeSet<String> names = new TreeSet<>();
    for (Path dir : parentDirs(parent)) {
      fs.subdirs(dir).forEach(d -> names.add(d.getFileName().toString()));
    }
    return List.copyOf(names);
  }

  @Override
  public void removeParentIfEmpty(String parent) {
    CgroupPath.checkParent(parent);
    for (Path dir : parentDirs(parent)) {
      CgroupTree.removeIfUnused(fs, dir);
    }
  }

  /** {@code relative} in every hierarchy and the cgroup2 mount. */
  private List<Path> parentDirs(String relative) {
    List<Path> dirs = new ArrayList<>();
    hierarchies.forEach(h -> dirs.add(h.dir(relative)));
    if (cgroup2 != null) {
      dirs.add(cgroup2.resolve(relative));
    }
    return dirs;
  }

  private V1Cgroup cgroup(CgroupPath path) {
    return new V1Cgroup(
        fs, hierarchies, path, cgroup2 == null ? null : cgroup2.resolve(path.relative()));
  }
}
