package dev.jvs.cgroup;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * cgroup v2 (unified): one tree. Controllers reach a guest only when every ancestor lists them in
 * cgroup.subtree_control, so create() enables them along jvs's own path (and in the root when
 * needed).
 */
public final class CgroupV2Driver implements CgroupDriver {
  private static final System.Logger LOG = System.getLogger(CgroupV2Driver.class.getName());

  /** The controllers jvs uses, in the order they are enabled. */
  static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids", "io", "cpuset");

  private final Path root;
  private final CgroupFs fs;
  private final DeviceAttacher devices;

  /** A driver for the cgroup2 tree mounted at {@code root}. */
  public CgroupV2Driver(Path root) {
    this(root, new KernelCgroupFs(), new BpfDeviceAttacher());
  }

  CgroupV2Driver(Path root, CgroupFs fs, DeviceAttacher devices) {
    this.root = root;
    this.fs = fs;
    this.devices = devices;
  }

  @Override
  public String kind() {
    return "v2";
  }

  @Override
  public String describe() {
    String available = fs.readIfExists(root.resolve("cgroup.controllers")).orElse("").strip();
    return "v2 at " + root + " (controllers: " + available + ")";
  }

  public Path root() {
    return root;
  }

  @Override
  public Cgroup create(String parent, String name) {
    CgroupPath path = new CgroupPath(parent, name);
    CgroupTree.retryIfParentVanishes(() -> mkdirs(path));
    return cgroup(path);
  }

  private void mkdirs(CgroupPath path) {
    Path dir = root;
    enableControllers(dir);
    for (String c : path.parent().isEmpty() ? new String[0] : path.parent().split("/")) {
      dir = dir.resolve(c);
      fs.mkdir(dir);
      enableControllers(dir);
    }
    fs.mkdir(dir.resolve(path.name()));
  }

  /**
   * Writes the missing ones of {@link #CONTROLLERS} that {@code dir} offers into its
   * subtree_control. All in one write first; if the kernel refuses the set, one by one, so one
   * controller that cannot be enabled (reported when a limit needs it) does not cost the others.
   */
  private void enableControllers(Path dir) {
    Set<String> available = words(fs.read(dir.resolve("cgroup.controllers")));
    Set<String> enabled = words(fs.read(dir.resolve("cgroup.subtree_control")));
    List<String> missing = new ArrayList<>();
    for (String c : CONTROLLERS) {
      if (available.contains(c) && !enabled.contains(c)) {
        missing.add("+" + c);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    Path control = dir.resolve("cgroup.subtree_control");
    try {
      fs.write(control, String.join(" ", missing));
    } catch (CgroupException all) {
      for (String c : missing) {
        try {
          fs.write(control, c);
        } catch (CgroupException one) {
          LOG.log(Level.WARNING, dir + ": " + one.getMessage());
        }
      }
    }
  }

  static Set<String> words(String text) {
    String t = text.strip();
    return t.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(t.split("\\s+")));
  }

  @Override
  public Optional<Cgroup> find(String parent, String name) {
    CgroupPath path = new CgroupPath(parent, name);
    return fs.exists(root.resolve(path.relative())) ? Optional.of(cgroup(path)) : Optional.empty();
  }

  @Override
  public List<String> children(String parent) {
    CgroupPath.checkParent(parent);
    return fs.subdirs(root.resolve(parent)).stream().map(p -> p.getFileName().toString()).toList();
  }

  @Override
  public void removeParentIfEmpty(String parent) {
    CgroupPath.checkParent(parent);
    CgroupTree.removeIfUnused(fs, root.resolve(parent));
  }

  private V2Cgroup cgroup(CgroupPath path) {
    return new V2Cgroup(fs, devices, root.resolve(path.relative()), path);
  }
}
