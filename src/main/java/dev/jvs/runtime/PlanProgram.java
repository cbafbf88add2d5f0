package dev.jvs.runtime;

import dev.jvs.kernel.Signal;
import dev.jvs.launch.LaunchProgram;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@link Plan} into the launch program jvs-init runs (docs/launch-program.md): the one
 * place that knows the order of a launch. Every path inside the guest is emitted relative to its
 * root, so jvs-init resolves it there when it is used (never following a symlink out).
 */
public final class PlanProgram {
  /** A masked directory's bind and a read-only path: nothing written, run or opened as a device. */
  private static final long LOCKED_DOWN =
      MountFlags.RDONLY | MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC;

  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFIFO = 0010000;

  private PlanProgram() {}

  /** Running a command in a started guest or container: join its namespaces, then the process. */
  public record Exec(
      long initPid,
      Set<Namespace> join,
      ProcessSpec process,
      Plan.Io io,
      boolean released,
      boolean tied) {}

  /** The first process of a plan, from the monitor's setup to the exec. */
  public static LaunchProgram start(Plan p) {
    LaunchProgram.Builder b = LaunchProgram.builder();
    Plan.Namespaces ns = p.namespaces();
    // The monitor: what it keeps, how it meets the caller, the namespaces it enters.
    Plan.Monitored monitored = p.supervision() instanceof Plan.Monitored m ? m : null;
    if (monitored != null && monitored.statusFile() != null) {
      b.statusFile(monitored.statusFile().toString());
    }
    if (p.supervision() instanceof Plan.Released) {
      b.release();
    }
    monitorIo(b, p.io());
    if (p.landlockScopes() != 0) {
      b.landlockScope(p.landlockScopes());
    }
    if (monitored != null && monitored.execSocket() != null) {
      b.execSocket(monitored.execSocket());
    }
    ns.join().entrySet().stream()
        .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder())) // the user namespace first
        .forEach(e -> b.setns(e.getValue(), e.getKey().flag()));
    if (ns.creates(Namespace.USER)) {
      b.uidMap(ns.uidMap());
      b.gidMap(ns.gidMap());
      if (p.root() instanceof Plan.Overlay o && o.idmapped()) {
        // after the maps, by the monitor: the child may not; attached in this order below
        if (o.disk() != null) {
          b.diskTree(o.disk(), "ext4");
        }
        b.idmapTree(o.lower().toString());
      }
    }
    p.mounts().stream()
        .filter(m -> m.from() == Plan.Source.MONITOR_CLONE)
        .forEach(m -> b.bindTree(m.source()));
    // The cgroup namespace comes after the caller placed the child (unshare below).
    b.clone(Namespace.flags(ns.create()) & ~Namespace.CGROUP.flag());

    // The child.
    if (monitored != null && monitored.tied()) {
      b.pdeathsig(Signal.SIGKILL);
    }
    if (p.io() instanceof Plan.Log || p.io() instanceof Plan.Inherit) {
      b.setsid();
    }
    if (ns.creates(Namespace.USER)) {
      // the namespace's root: until then our host ids are unmapped (EOVERFLOW on mkdir)
      b.setgid(0);
      b.setuid(0);
    }
    b.umask(0); // directories and device nodes get exactly the modes asked for
    if (ns.creates(Namespace.CGROUP)) {
      b.unshare(Namespace.CGROUP.flag()); // our cgroup becomes the namespace's root
    }
    if (p.loopback()) {
      b.loopbackUp();
    }
    if (p.process().oomScoreAdj() != null) {
      b.write("/proc/self/oom_score_adj", p.process().oomScoreAdj().toString());
    }
    root(b, p.root(), ns.has(Namespace.MOUNT));
    // From here on every path is relative: inside the root, whatever was planted there.
    if (p.hooks().any()) {
      b.hookState(p.hooks().stateFile().toString()); // read now: after pivot-root it is gone
    }
    p.mounts().forEach(m -> mount(b, m));
    devices(b, p.devices());
    p.sysctls().forEach((k, v) -> b.write("proc/sys/" + k.replace('.', '/'), v));
    String empty =
        p.masked().stream().anyMatch(Plan.Mask::directory)
            ? MaskDirectory.ensure().toString()
            : null;
    for (Plan.Mask m : p.masked()) {
      String r = inRoot(m.path());
      if (m.directory()) {
        b.mountIfPresent(empty, r, "", MountFlags.BIND, "");
        b.mountIfPresent(r, r, "", MountFlags.BIND | MountFlags.REMOUNT | LOCKED_DOWN, "");
      } else {
        b.mountIfPresent("/dev/null", r, "", MountFlags.BIND, "");
      }
    }
    for (String path : p.readonly()) {
      String r = inRoot(path);
      b.mountIfPresent(r, r, "", MountFlags.BIND | MountFlags.REC, "");
      b.mountIfPresent(r, r, "", MountFlags.BIND | MountFlags.REMOUNT | LOCKED_DOWN, "");
    }
    if (!inRoot(p.process().cwd()).equals(".")) {
      b.mkdir(inRoot(p.process().cwd()), 0755); // with its parents; an existing one will do
    }
    // What may fail runs before a wait, so that an OCI create reports it (as runc does).
    if (p.hostname() != null && !p.hostname().isEmpty()) {
      b.sethostname(p.hostname());
    }
    if (p.domainname() != null && !p.domainname().isEmpty()) {
      b.setdomainname(p.domainname());
    }
    hooks(b, p.hooks().createContainer());
    rlimits(b, p.process(), false);
    if (p.supervision() instanceof Plan.Released r && r.waitFifo() != null) {
      b.waitFifo(r.waitFifo().toString());
    }
    if (p.root().chroot() || !ns.has(Namespace.MOUNT)) {
      b.chroot(".");
    } else {
      b.pivotRoot(".");
    }
    if (ns.has(Namespace.MOUNT) && p.root().propagationAfterPivot() != 0) {
      b.mount("", "/", "", p.root().propagationAfterPivot(), "");
    }
    if (p.root().readonly()) {
      b.mount("", "/", "", MountFlags.BIND | MountFlags.REMOUNT | MountFlags.RDONLY, "");
    }
    hooks(b, p.hooks().startContainer());
    process(b, p.process(), ns.has(Namespace.USER));
    return b.build();
  }

  /**
   * The root of a restore in a user namespace (docs/checkpoint.md): the start's own user namespace
   * maps and root mounts (a disk.space image, the template idmapped through the namespace, then the
   * overlay) in a mount namespace that criu then enters, with {@code hostSysfs} the host's sysfs
   * mount alone over its /sys (where criu finds the source of a host-stack guest's /sys); the child
   * then runs {@code waitArgv} until it is killed.
   */
  public static LaunchProgram restoreRoot(
      Plan.Overlay root, String idMap, boolean hostSysfs, List<String> waitArgv) {
    if (!root.idmapped()) {
      throw new IllegalArgumentException("a restore's root in a user namespace is idmapped");
    }
    LaunchProgram.Builder b = LaunchProgram.builder();
    b.uidMap(idMap);
    b.gidMap(idMap);
    if (root.disk() != null) { // by the monitor, as at a start: the child may not mount ext4
      b.diskTree(root.disk(), "ext4");
    }
    b.idmapTree(root.lower().toString());
    if (hostSysfs) {
      b.bindTree("/sys");
    }
    b.clone(Namespace.USER.flag() | Namespace.MOUNT.flag());
    b.pdeathsig(Signal.SIGKILL);
    b.setgid(0);
    b.setuid(0);
    root(b, root, true);
    if (hostSysfs) {
      b.attachTree("/sys"); // over the helper's /sys, whose mounts below are locked to it
    }
    b.exec(waitArgv);
    return b.build();
  }

  /** A command joining a running guest or container through its init's pidfd. */
  public static LaunchProgram exec(Exec e) {
    LaunchProgram.Builder b = LaunchProgram.builder();
    if (e.released()) {
      b.release();
    }
    if (e.io() instanceof Plan.ConsoleSocket c) {
      b.consoleSocket(c.socket().toAbsolutePath().toString()); // a host path: before the join
    }
    if (e.io() instanceof Plan.Relay r) {
      b.stdioPipes();
      pipeOwner(b, r.owner()); // as host root: once in the guest's user namespace it may not
    }
    b.join(e.initPid(), Namespace.flags(e.join()));
    if (e.io() instanceof Plan.Terminal || e.io() instanceof Plan.ConsoleSocket) {
      b.pty(); // from the guest's devpts: after the join
    }
    b.clone(0);
    if (e.tied()) {
      b.pdeathsig(Signal.SIGKILL);
    }
    if (e.io() instanceof Plan.Inherit) {
      b.setsid();
    }
    rlimits(b, e.process(), false);
    process(b, e.process(), e.join().contains(Namespace.USER));
    return b.build();
  }

  /** A container path as jvs-init takes it inside the root: relative ("." for the root). */
  public static String inRoot(String containerPath) {
    String n =
        Path.of("/")
            .resolve(containerPath == null ? "" : containerPath)
            .normalize()
            .toString()
            .substring(1);
    return n.isEmpty() ? "." : n;
  }

  private static void monitorIo(LaunchProgram.Builder b, Plan.Io io) {
    switch (io) {
      case Plan.Log log -> {
        b.detach();
        // through the monitor: the guest never holds the host file, nor grows it unbounded
        b.log(log.file().toString(), log.maxBytes(), log.files());
        pipeOwner(b, log.owner());
      }
      case Plan.Relay r -> {
        b.stdioPipes();
        pipeOwner(b, r.owner());
      }
      case Plan.Terminal t -> b.pty();
      case Plan.ConsoleSocket c -> {
        b.consoleSocket(c.socket().toAbsolutePath().toString());
        b.pty();
      }
      case Plan.Inherit i -> {}
    }
  }

  private static void pipeOwner(LaunchProgram.Builder b, Plan.PipeOwner owner) {
    if (owner != null) {
      b.pipeOwner(owner.uid(), owner.gid());
    }
  }

  private static void root(LaunchProgram.Builder b, Plan.Root root, boolean ownMounts) {
    String point = root.mountPoint().toString();
    if (ownMounts) {
      b.mount("", "/", "", root.propagation(), "");
    }
    switch (root) {
      case Plan.Overlay o -> {
        if (o.disk() != null && o.idmapped()) {
          // disk.space: the monitor's mount of the private layer's own filesystem, which holds
          // the guest's own ids (0..65535), not its range's: an image does not depend on it
          b.attachTree(o.diskMount().toString());
        } else if (o.disk() != null) {
          // disk.space: the private layer's own filesystem, in this mount namespace only
          b.mount(o.disk(), o.diskMount().toString(), "ext4", MountFlags.NOSUID, "");
        }
        if (o.idmapped()) {
          b.attachTree(o.lower().toString()); // over the template, in this mount namespace only
        }
        b.mount(
            "overlay",
            point,
            "overlay",
            0,
            "lowerdir=" + o.lower() + ",upperdir=" + o.upper() + ",workdir=" + o.work());
      }
      case Plan.Bind bind -> b.mount(point, point, "", MountFlags.BIND | MountFlags.REC, "");
    }
    b.root(point);
  }

  private static void mount(LaunchProgram.Builder b, Plan.Mount m) {
    String t = inRoot(m.target());
    switch (m.kind()) {
      case DIRECTORY -> b.mkdir(t, 0755);
      case STICKY_DIRECTORY -> b.mkdir(t, 01777);
      case FILE -> b.touch(t, 0644);
      case EXISTING -> {}
    }
    String source = m.from() == Plan.Source.ROOT ? inRoot(m.source()) : m.source();
    if (m.from() == Plan.Source.MONITOR_CLONE) {
      b.attachTree(t); // the monitor's clone: after the root's trees, in the mounts' order
    } else if (m.optional()) {
      b.mountIfPresent(source, t, m.type(), m.flags(), m.data());
    } else {
      b.mount(source, t, m.type(), m.flags(), m.data());
    }
    if (m.remount() != 0) {
      b.mount("", t, "", MountFlags.BIND | MountFlags.REMOUNT | m.remount(), "");
    }
    if (m.propagation() != 0) {
      b.mount("", t, "", m.propagation(), "");
    }
  }

  private static void devices(LaunchProgram.Builder b, Plan.Devices d) {
    for (Plan.Node n : d.nodes()) {
      String t = inRoot(n.path()); // its missing parents are made inside the root
      if (d.fromHost()) {
        b.touch(t, 0666);
        b.mount(n.path(), t, "", MountFlags.BIND, "");
      } else {
        int type =
            switch (n.type()) {
              case 'b' -> S_IFBLK;
              case 'p' -> S_IFIFO;
              default -> S_IFCHR;
            };
        b.mknod(t, type | n.mode(), n.major(), n.minor());
      }
    }
    for (Plan.Link l : d.links()) {
      b.symlink(l.target(), inRoot(l.path()));
    }
  }

  private static void hooks(LaunchProgram.Builder b, List<Plan.Hook> hooks) {
    for (Plan.Hook h : hooks) {
      b.hook(h.what(), h.path(), h.argv(), h.env(), h.timeoutSeconds());
    }
  }

  /** The process's rlimits set before its user ({@code afterUser} false), or after. */
  private static void rlimits(LaunchProgram.Builder b, ProcessSpec p, boolean afterUser) {
    for (ProcessSpec.Rlimit r : p.rlimits()) {
      if (r.afterUser() == afterUser) {
        b.rlimit(r.resource(), r.soft(), r.hard());
      }
    }
  }

  /**
   * The tail every process shares, in the kernel's order: umask, cwd, bounding set, ids with
   * keep-caps, capsets after setuid, and the seccomp filter as late as no_new_privs allows.
   */
  private static void process(LaunchProgram.Builder b, ProcessSpec p, boolean userNs) {
    ProcessSpec.Caps caps = p.caps();
    b.umask(p.user().umask());
    b.chdir(p.cwd());
    if (caps != null) {
      b.capBounding(caps.bounding());
    }
    if (p.noNewPrivileges()) {
      b.noNewPrivs();
    }
    if (p.seccomp() != null && !p.noNewPrivileges()) {
      b.seccomp(p.seccomp().flags(), p.seccomp().bytes()); // still root with CAP_SYS_ADMIN
    }
    if (caps != null) {
      b.keepCaps();
    }
    List<Long> groups = p.user().groups();
    if (!userNs || !groups.isEmpty()) {
      b.setgroups(groups);
    }
    b.setgid(p.user().gid());
    b.setuid(p.user().uid());
    rlimits(b, p, true);
    if (caps != null) {
      b.capset(caps.effective(), caps.permitted(), caps.inheritable());
      if (caps.ambient() != 0) {
        b.capAmbient(caps.ambient());
      }
    }
    if (p.seccomp() != null && p.noNewPrivileges()) {
      b.seccomp(p.seccomp().flags(), p.seccomp().bytes());
    }
    b.env(p.env());
    b.exec(p.args());
  }
}
