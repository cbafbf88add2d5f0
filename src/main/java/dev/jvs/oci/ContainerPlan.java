package dev.jvs.oci;

import dev.jvs.runtime.MountFlags;
import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates a config.json into the plan of a container's init (the OCI front-end's half of
 * docs/architecture.md): released to its caller and waiting on the start FIFO, so that {@code
 * create} leaves it before its user program until {@code start}.
 */
final class ContainerPlan {
  private static final Plan.Node[] DEFAULT_DEVICES = {
    new Plan.Node("/dev/null", 'c', 1, 3, 0666), new Plan.Node("/dev/zero", 'c', 1, 5, 0666),
    new Plan.Node("/dev/full", 'c', 1, 7, 0666), new Plan.Node("/dev/random", 'c', 1, 8, 0666),
    new Plan.Node("/dev/urandom", 'c', 1, 9, 0666), new Plan.Node("/dev/tty", 'c', 5, 0, 0666)
  };

  private ContainerPlan() {}

  /** Inputs beside the config: where the bundle, rootfs and start FIFO are; the CLI flags. */
  record Where(
      Path bundle, Path rootfs, Path fifo, boolean noPivot, boolean terminal, Path consoleSocket) {}

  static Plan build(OciConfig c, Plan.Namespaces ns, Seccomp.Filter seccomp, Where w) {
    OciConfig.Linux linux = c.linux();
    boolean devTmpfs = false;
    List<Plan.Mount> mounts = new ArrayList<>();
    for (OciConfig.Mount m : c.mounts() == null ? List.<OciConfig.Mount>of() : c.mounts()) {
      mounts.add(mount(w.bundle(), m));
      devTmpfs |= normalize(m.destination()).equals("/dev");
    }
    List<Plan.Mask> masked = new ArrayList<>();
    for (String p : linux.maskedPaths() == null ? List.<String>of() : linux.maskedPaths()) {
      // a /proc path is not in the rootfs yet: the host's tells what it is
      masked.add(
          new Plan.Mask(
              p,
              Files.isDirectory(RootfsPath.resolve(w.rootfs(), p).host())
                  || Files.isDirectory(Path.of(p))));
    }
    return new Plan(
        ns,
        // No mount namespace, neither new nor joined: the container inherits the runtime's (as
        // the spec says), its mounts land on the host (`delete` removes them), the host's /
        // keeps its propagation, and chroot replaces pivot_root, which would move every host
        // process's root.
        new Plan.Bind(
            w.rootfs(),
            MountOptions.rootPropagationBeforePivot(linux.rootfsPropagation()),
            MountOptions.rootPropagationAfterPivot(linux.rootfsPropagation()),
            w.noPivot() || !ns.has(Namespace.MOUNT),
            Boolean.TRUE.equals(c.root().readonly())),
        mounts,
        devices(w.rootfs(), linux.devices(), devTmpfs, ns.creates(Namespace.USER)),
        masked,
        linux.readonlyPaths() == null ? List.of() : linux.readonlyPaths(),
        linux.sysctl() == null ? Map.of() : new LinkedHashMap<>(linux.sysctl()),
        c.hostname(),
        c.domainname(),
        needsHookState(c)
            ? new Plan.Hooks(
                hookStateFile(w.fifo()),
                hooks("createContainer", c.hooks().createContainer()),
                hooks("startContainer", c.hooks().startContainer()))
            : Plan.Hooks.NONE,
        ProcessPlan.spec(c.process(), seccomp),
        w.terminal() ? new Plan.ConsoleSocket(w.consoleSocket()) : new Plan.Inherit(),
        new Plan.Released(w.fifo()),
        0,
        false);
  }

  /** Whether the init reads the hook state file: it runs createContainer/startContainer hooks. */
  static boolean needsHookState(OciConfig c) {
    OciConfig.Hooks h = c.hooks();
    return h != null
        && (h.createContainer() != null && !h.createContainer().isEmpty()
            || h.startContainer() != null && !h.startContainer().isEmpty());
  }

  /** The container's state as hooks get it on stdin, next to the start FIFO. */
  static Path hookStateFile(Path fifo) {
    return fifo.resolveSibling("hook-state.json");
  }

  private static List<Plan.Hook> hooks(String kind, List<OciConfig.Hook> hooks) {
    List<Plan.Hook> out = new ArrayList<>();
    for (int i = 0; hooks != null && i < hooks.size(); i++) {
      OciConfig.Hook h = hooks.get(i);
      if (h.path() == null || !h.path().startsWith("/")) {
        throw new OciException("hooks." + kind + "[" + i + "].path must be absolute");
      }
      List<String> argv = h.args() == null || h.args().isEmpty() ? List.of(h.path()) : h.args();
      out.add(
          new Plan.Hook(
              kind + " hook #" + i,
              h.path(),
              argv,
              h.env() == null ? List.of() : h.env(),
              h.timeout() == null ? 0 : h.timeout()));
    }
    return out;
  }

  private static Plan.Mount mount(Path bundle, OciConfig.Mount m) {
    String dest = m.destination();
    if (dest == null || !dest.startsWith("/")) {
      throw new OciException("mount destination " + dest + " is not absolute");
    }
    MountOptions o = MountOptions.parse(m.options());
    String type = m.type() == null ? "" : m.type();
    String source = m.source() == null ? "" : m.source();
    if (o.bind() || type.equals("bind")) {
      source = bundle.resolve(source).toString(); // runtime-spec: relative to the bundle
      boolean file = Files.exists(Path.of(source)) && !Files.isDirectory(Path.of(source));
      return Plan.Mount.bind(
              source,
              dest,
              o.flags() & MountFlags.REC,
              file ? Plan.Target.FILE : Plan.Target.DIRECTORY)
          .remountedWith(o.remountFlags())
          .propagated(o.propagation());
    }
    if (type.equals("cgroup")) {
      // jvs shows the host's hierarchies read-only rather than emulating per-container views.
      return Plan.Mount.bind("/sys/fs/cgroup", dest, MountFlags.REC, Plan.Target.DIRECTORY)
          .remountedWith(
              MountFlags.RDONLY | MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC)
          .propagated(o.propagation());
    }
    return Plan.Mount.of(type, source, dest, o.flags() & ~MountFlags.REC, o.data())
        .propagated(o.propagation());
  }

  private static Plan.Devices devices(
      Path rootfs, List<OciConfig.Device> devices, boolean devTmpfs, boolean userNs) {
    List<OciConfig.Device> listed = devices == null ? List.of() : devices;
    List<Plan.Node> nodes = new ArrayList<>();
    List<Plan.Link> links = new ArrayList<>();
    if (devTmpfs) {
      for (Plan.Node n : DEFAULT_DEVICES) {
        if (listed.stream().noneMatch(d -> n.path().equals(d.path()))) {
          nodes.add(n);
        }
      }
      links.add(new Plan.Link("/proc/self/fd", "/dev/fd"));
      links.add(new Plan.Link("/proc/self/fd/0", "/dev/stdin"));
      links.add(new Plan.Link("/proc/self/fd/1", "/dev/stdout"));
      links.add(new Plan.Link("/proc/self/fd/2", "/dev/stderr"));
      if (!Files.exists(rootfs.resolve("dev/ptmx"), LinkOption.NOFOLLOW_LINKS)) {
        links.add(new Plan.Link("pts/ptmx", "/dev/ptmx"));
      }
    }
    for (OciConfig.Device d : listed) {
      if (d.path() == null || !d.path().startsWith("/dev/")) {
        throw new OciException("device path " + d.path() + " must be under /dev");
      }
      char type =
          switch (d.type() == null ? "" : d.type()) {
            case "c", "u" -> 'c';
            case "b" -> 'b';
            case "p" -> 'p';
            default ->
                throw new OciException("invalid device type '" + d.type() + "' for " + d.path());
          };
      if ((d.uid() != null && d.uid() != 0) || (d.gid() != null && d.gid() != 0)) {
        throw new OciException(
            "device " + d.path() + ": uid/gid other than 0 are not supported by jvs");
      }
      if (!devTmpfs && RootfsPath.resolve(rootfs, d.path()).missing().isEmpty()) {
        continue; // the rootfs already has it; mknod would fail with EEXIST
      }
      nodes.add(
          new Plan.Node(
              d.path(),
              type,
              d.major() == null ? 0 : d.major().intValue(),
              d.minor() == null ? 0 : d.minor().intValue(),
              d.fileMode() == null ? 0666 : d.fileMode() & 07777));
    }
    // mknod is refused in a user namespace: the host's nodes are bound instead
    return new Plan.Devices(nodes, links, userNs);
  }

  static String normalize(String path) {
    return Path.of("/").resolve(path == null ? "" : path).normalize().toString();
  }
}
