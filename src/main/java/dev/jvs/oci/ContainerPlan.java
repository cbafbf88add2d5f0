package dev.jvs.oci;

import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.MountFlags;
import dev.jvs.launch.Ns;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Translates a config.json into the launch program of a container's init (docs/oci.md): the same
 * operations native guests use, plus {@code wait-fifo} so that {@code create} leaves the process
 * waiting before its user program until {@code start}.
 */
final class ContainerPlan {
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFIFO = 0010000;

  private record Node(String path, int major, int minor) {}

  /** Devices every container gets (runtime-spec "Default Devices"). */
  private static final List<Node> DEFAULT_DEVICES =
      List.of(new Node("/dev/null", 1, 3), new Node("/dev/zero", 1, 5), new Node("/dev/full", 1, 7),
          new Node("/dev/random", 1, 8), new Node("/dev/urandom", 1, 9), new Node("/dev/tty", 5, 0));

  private ContainerPlan() {}

  /** Inputs beside the config: where the bundle, rootfs and start FIFO are; the CLI flags. */
  record Where(Path bundle, Path rootfs, Path fifo, boolean noPivot, boolean terminal,
      Path consoleSocket) {}

  static LaunchProgram build(OciConfig c, Namespaces ns, Seccomp.Filter seccomp, Where w) {
    LaunchProgram.Builder b = LaunchProgram.builder();
    b.release();
    if (w.terminal()) {
      b.consoleSocket(w.consoleSocket().toAbsolutePath().toString());
      b.pty();
    }
    ns.join().forEach((flag, path) -> b.setns(path, flag));
    OciConfig.Linux linux = c.linux();
    if (ns.creates(Ns.USER)) {
      b.uidMap(idMap(linux.uidMappings(), "uidMappings"));
      b.gidMap(idMap(linux.gidMappings(), "gidMappings"));
    }
    b.clone(ns.create() & ~Ns.CGROUP);
    if (!w.terminal()) {
      b.setsid();
    }
    if (ns.creates(Ns.USER)) {
      // become the namespace's root: until then our host ids are unmapped (EOVERFLOW on mkdir)
      b.setgid(0);
      b.setuid(0);
    }
    b.umask(0); // device nodes and directories get exactly the modes asked for
    if (ns.creates(Ns.CGROUP)) {
      b.unshare(Ns.CGROUP); // after the caller placed us: our cgroup becomes the namespace's root
    }
    if (c.process().oomScoreAdj() != null) {
      b.write("/proc/self/oom_score_adj", c.process().oomScoreAdj().toString());
    }
    String root = w.rootfs().toString();
    // No mount namespace, neither new nor joined: the container inherits the runtime's (as the
    // spec says), so its mounts land on the host (`delete` removes them), the host's / keeps its
    // propagation, and chroot replaces pivot_root, which would move every host process's root.
    boolean hostMounts = !ns.has(Ns.MOUNT);
    if (!hostMounts) {
      b.mount("", "/", "", MountOptions.rootPropagationBeforePivot(linux.rootfsPropagation()), "");
    }
    b.mount(root, root, "", MountFlags.BIND | MountFlags.REC, "");
    // From here on every container path is relative: jvs-init resolves it inside the rootfs as
    // it stands after the earlier mounts, never following a symlink out of it (CVE-2021-30465).
    b.root(root);
    if (needsHookState(c)) {
      b.hookState(hookStateFile(w.fifo()).toString()); // read now: after pivot-root it is gone
    }
    boolean devTmpfs = false;
    for (OciConfig.Mount m : c.mounts() == null ? List.<OciConfig.Mount>of() : c.mounts()) {
      mount(b, w.bundle(), m);
      devTmpfs |= normalize(m.destination()).equals("/dev");
    }
    devices(b, w.rootfs(), linux.devices(), devTmpfs, ns.creates(Ns.USER));
    if (linux.sysctl() != null) {
      linux.sysctl().forEach((k, v) -> b.write("proc/sys/" + k.replace('.', '/'), v));
    }
    for (String p : linux.maskedPaths() == null ? List.<String>of() : linux.maskedPaths()) {
      String target = inRoot(p);
      if (Files.isDirectory(RootfsPath.resolve(w.rootfs(), p).host()) || Files.isDirectory(Path.of(p))) {
        b.mountIfPresent("tmpfs", target, "tmpfs", MountFlags.RDONLY, "size=0");
      } else {
        b.mountIfPresent("/dev/null", target, "", MountFlags.BIND, "");
      }
    }
    for (String p : linux.readonlyPaths() == null ? List.<String>of() : linux.readonlyPaths()) {
      String target = inRoot(p);
      b.mountIfPresent(target, target, "", MountFlags.BIND | MountFlags.REC, "");
      b.mountIfPresent(target, target, "", MountFlags.BIND | MountFlags.REMOUNT | MountFlags.RDONLY
          | MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC, "");
    }
    b.mkdir(inRoot(c.process().cwd()), 0755); // with its parents; an existing one will do
    // What may fail runs before the wait, so that `create` reports it (runc does the same).
    if (c.hostname() != null && !c.hostname().isEmpty()) {
      b.sethostname(c.hostname());
    }
    if (c.domainname() != null && !c.domainname().isEmpty()) {
      b.setdomainname(c.domainname());
    }
    // runtime-spec: after createRuntime, in the container's namespaces, before pivot_root
    hooks(b, "createContainer", c.hooks() == null ? null : c.hooks().createContainer());
    ProcessPlan.rlimits(b, c.process());
    b.waitFifo(w.fifo().toString());
    if (w.noPivot() || hostMounts) {
      b.chroot(".");
    } else {
      b.pivotRoot(".");
    }
    long after = MountOptions.rootPropagationAfterPivot(linux.rootfsPropagation());
    if (!hostMounts && after != 0) {
      b.mount("", "/", "", after, "");
    }
    if (Boolean.TRUE.equals(c.root().readonly())) {
      b.mount("", "/", "", MountFlags.BIND | MountFlags.REMOUNT | MountFlags.RDONLY, "");
    }
    // runtime-spec: part of start, in the container (path resolved there), before the program
    hooks(b, "startContainer", c.hooks() == null ? null : c.hooks().startContainer());
    ProcessPlan.append(b, c.process(), seccomp, ns.has(Ns.USER), false);
    return b.build();
  }

  /** Whether the init reads the hook state file: it runs createContainer/startContainer hooks. */
  static boolean needsHookState(OciConfig c) {
    OciConfig.Hooks h = c.hooks();
    return h != null && (h.createContainer() != null && !h.createContainer().isEmpty()
        || h.startContainer() != null && !h.startContainer().isEmpty());
  }

  /** The container's state as hooks get it on stdin, next to the start FIFO. */
  static Path hookStateFile(Path fifo) {
    return fifo.resolveSibling("hook-state.json");
  }

  private static void hooks(LaunchProgram.Builder b, String kind, List<OciConfig.Hook> hooks) {
    for (int i = 0; hooks != null && i < hooks.size(); i++) {
      OciConfig.Hook h = hooks.get(i);
      if (h.path() == null || !h.path().startsWith("/")) {
        throw new OciException("hooks." + kind + "[" + i + "].path must be absolute");
      }
      List<String> argv = h.args() == null || h.args().isEmpty() ? List.of(h.path()) : h.args();
      b.hook(kind + " hook #" + i, h.path(), argv, h.env() == null ? List.of() : h.env(),
          h.timeout() == null ? 0 : h.timeout());
    }
  }

  private static void mount(LaunchProgram.Builder b, Path bundle, OciConfig.Mount m) {
    String dest = m.destination();
    if (dest == null || !dest.startsWith("/")) {
      throw new OciException("mount destination " + dest + " is not absolute");
    }
    MountOptions o = MountOptions.parse(m.options());
    String type = m.type() == null ? "" : m.type();
    boolean bind = o.bind() || type.equals("bind");
    String source = m.source() == null ? "" : m.source();
    if (bind) {
      source = bundle.resolve(source).toString(); // runtime-spec: relative to the bundle
    }
    String t = inRoot(dest);
    // The target and its missing parents are made inside the root by jvs-init.
    if (bind && Files.exists(Path.of(source)) && !Files.isDirectory(Path.of(source))) {
      b.touch(t, 0644);
    } else {
      b.mkdir(t, 0755);
    }
    if (bind) {
      b.mount(source, t, "", MountFlags.BIND | (o.flags() & MountFlags.REC), "");
      if (o.remountFlags() != 0) {
        b.mount("", t, "", MountFlags.BIND | MountFlags.REMOUNT | o.remountFlags(), "");
      }
    } else if (type.equals("cgroup")) {
      // jvs shows the host's hierarchies read-only rather than emulating per-container views.
      b.mount("/sys/fs/cgroup", t, "", MountFlags.BIND | MountFlags.REC, "");
      b.mount("", t, "", MountFlags.BIND | MountFlags.REMOUNT | MountFlags.RDONLY
          | MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC, "");
    } else {
      b.mount(source, t, type, o.flags() & ~MountFlags.REC, o.data());
    }
    if (o.propagation() != 0) {
      b.mount("", t, "", o.propagation(), "");
    }
  }

  /** A container path as jvs-init takes it inside the root: relative ("." for the root). */
  static String inRoot(String containerPath) {
    String n = normalize(containerPath).substring(1);
    return n.isEmpty() ? "." : n;
  }

  private static void devices(
      LaunchProgram.Builder b, Path rootfs, List<OciConfig.Device> devices, boolean devTmpfs,
      boolean userNs) {
    List<OciConfig.Device> listed = devices == null ? List.of() : devices;
    if (devTmpfs) {
      for (Node n : DEFAULT_DEVICES) {
        if (listed.stream().anyMatch(d -> n.path().equals(d.path()))) {
          continue;
        }
        if (userNs) {
          // mknod is refused in a user namespace: bind the host's node instead
          b.touch(inRoot(n.path()), 0666);
          b.mount(n.path(), inRoot(n.path()), "", MountFlags.BIND, "");
        } else {
          b.mknod(inRoot(n.path()), S_IFCHR | 0666, n.major(), n.minor());
        }
      }
      b.symlink("/proc/self/fd", "dev/fd");
      b.symlink("/proc/self/fd/0", "dev/stdin");
      b.symlink("/proc/self/fd/1", "dev/stdout");
      b.symlink("/proc/self/fd/2", "dev/stderr");
      if (!Files.exists(rootfs.resolve("dev/ptmx"), LinkOption.NOFOLLOW_LINKS)) {
        b.symlink("pts/ptmx", "dev/ptmx");
      }
    }
    for (OciConfig.Device d : listed) {
      if (d.path() == null || !d.path().startsWith("/dev/")) {
        throw new OciException("device path " + d.path() + " must be under /dev");
      }
      int type = switch (d.type() == null ? "" : d.type()) {
        case "c", "u" -> S_IFCHR;
        case "b" -> S_IFBLK;
        case "p" -> S_IFIFO;
        default -> throw new OciException("invalid device type '" + d.type() + "' for " + d.path());
      };
      if ((d.uid() != null && d.uid() != 0) || (d.gid() != null && d.gid() != 0)) {
        throw new OciException("device " + d.path() + ": uid/gid other than 0 are not supported by jvs");
      }
      int mode = d.fileMode() == null ? 0666 : d.fileMode() & 07777;
      int major = d.major() == null ? 0 : d.major().intValue();
      int minor = d.minor() == null ? 0 : d.minor().intValue();
      if (!devTmpfs && RootfsPath.resolve(rootfs, d.path()).missing().isEmpty()) {
        continue; // the rootfs already has it; mknod would fail with EEXIST
      }
      String target = inRoot(d.path()); // its missing parents are made inside the root
      if (userNs) {
        b.touch(target, 0666);
        b.mount(d.path(), target, "", MountFlags.BIND, "");
      } else {
        b.mknod(target, type | mode, major, minor);
      }
    }
  }

  private static String idMap(List<OciConfig.IdMapping> maps, String field) {
    if (maps == null || maps.isEmpty()) {
      throw new OciException("user namespace requires linux." + field);
    }
    StringBuilder s = new StringBuilder();
    for (OciConfig.IdMapping m : maps) {
      s.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
    }
    return s.toString();
  }

  static String normalize(String path) {
    String n = Path.of("/").resolve(path == null ? "" : path).normalize().toString();
    return n;
  }
}
