package dev.jvs.guest;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.guest.state.StateStore;
import dev.jvs.image.LoopDevice;
import dev.jvs.kernel.Capability;
import dev.jvs.kernel.Landlock;
import dev.jvs.net.GuestNetwork;
import dev.jvs.net.NetConfig;
import dev.jvs.runtime.Instances;
import dev.jvs.runtime.MountFlags;
import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import dev.jvs.runtime.PlanProgram;
import dev.jvs.runtime.ProcessSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates a guest into plans (the jvs front-end's half of docs/architecture.md): the policy of
 * what a guest is — namespaces, an overlay root, a minimal /dev, masked /proc and /sys, restricted
 * root — lives here; how that becomes a launch is {@link PlanProgram}'s.
 */
public final class GuestPlans {
  static final Set<Namespace> GUEST_NAMESPACES =
      EnumSet.of(
          Namespace.PID,
          Namespace.MOUNT,
          Namespace.UTS,
          Namespace.IPC,
          Namespace.NET,
          Namespace.CGROUP);
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final long NOSUID_NODEV_NOEXEC =
      MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC;

  /** Files masked with /dev/null and directories with a read-only bind of an empty one. */
  static final List<String> MASKED_FILES =
      List.of(
          "/proc/kcore",
          "/proc/keys",
          "/proc/latency_stats",
          "/proc/timer_list",
          "/proc/timer_stats",
          "/proc/sched_debug");

  static final List<String> MASKED_DIRS =
      List.of("/proc/acpi", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

  /** Paths that stay visible but read-only. */
  static final List<String> READONLY =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private static final List<Plan.Node> DEV_NODES =
      List.of(
          new Plan.Node("/dev/null", 'c', 1, 3, 0666),
          new Plan.Node("/dev/zero", 'c', 1, 5, 0666),
          new Plan.Node("/dev/full", 'c', 1, 7, 0666),
          new Plan.Node("/dev/random", 'c', 1, 8, 0666),
          new Plan.Node("/dev/urandom", 'c', 1, 9, 0666),
          new Plan.Node("/dev/tty", 'c', 5, 0, 0666));
  private static final List<Plan.Link> DEV_LINKS =
      List.of(
          new Plan.Link("pts/ptmx", "/dev/ptmx"),
          new Plan.Link("/proc/self/fd", "/dev/fd"),
          new Plan.Link("/proc/self/fd/0", "/dev/stdin"),
          new Plan.Link("/proc/self/fd/1", "/dev/stdout"),
          new Plan.Link("/proc/self/fd/2", "/dev/stderr"));

  private final ProcessSpec.Seccomp seccomp;
  private final Path lxcfs;
  private final SharedQuotas quotas;

  /**
   * Per-user kernel quotas of host root that the kernel checks against the using process's rlimit:
   * guests get these limits (-1: unlimited), below host root's own. {@code processesHard} is the
   * hard RLIMIT_NPROC jvs runs with, which an unprivileged guest keeps ({@link ProcessCap}).
   */
  public record SharedQuotas(long msgqueueBytes, long pendingSignals, long processesHard) {
    public static final SharedQuotas NONE = new SharedQuotas(-1, -1, -1);
  }

  public GuestPlans(byte[] seccompFilter) {
    this(seccompFilter, null, SharedQuotas.NONE);
  }

  /** With {@code lxcfs}, the mount point of an lxcfs instance for guest-local views (or null). */
  public GuestPlans(byte[] seccompFilter, Path lxcfs, SharedQuotas quotas) {
    this.seccomp = new ProcessSpec.Seccomp(0, seccompFilter);
    this.lxcfs = lxcfs;
    this.quotas = quotas;
  }

  /**
   * Where a guest's filesystem comes from ({@code disk}: the block device of its disk.space image,
   * mounted at {@code diskMount}, or null) and its run directory on the host, where the monitor
   * keeps the exit status, the console log, the exec socket and the files networking writes for the
   * guest's /etc.
   */
  public record Layout(
      Path lower, Path upper, Path work, Path mountPoint, Path run, String disk, Path diskMount) {
    public Layout(Path lower, Path upper, Path work, Path mountPoint, Path run) {
      this(lower, upper, work, mountPoint, run, null, null);
    }

    /**
     * A guest's layout as its start and its restore mount it: the private layer in {@code
     * guestDir}, or, with its disk.space image attached as {@code disk}, on the image's own
     * filesystem (mounted at guestDir/disk).
     */
    public static Layout of(Path lower, Path guestDir, Path run, LoopDevice disk) {
      Path upperRoot = disk == null ? guestDir : guestDir.resolve("disk");
      return new Layout(
          lower,
          upperRoot.resolve("upper"),
          upperRoot.resolve("work"),
          guestDir.resolve("rootfs"),
          run,
          disk == null ? null : disk.path(),
          disk == null ? null : upperRoot);
    }

    /** The root overlay over this layout; the template idmapped for a guest in a user namespace. */
    public Plan.Overlay overlay(boolean idmapped) {
      return new Plan.Overlay(lower, upper, work, mountPoint, disk, diskMount, idmapped);
    }

    public Path statusFile() {
      return run.resolve(StateStore.EXIT_FILE);
    }

    public Path console() {
      return run.resolve(StateStore.CONSOLE_LOG);
    }

    public Path etc() {
      return run.resolve("etc");
    }
  }

  /**
   * An image's process defaults (OCI Env, WorkingDir, User resolved to ids); {@link #ROOT} when the
   * template has none.
   */
  public record Process(List<String> env, String cwd, long uid, long gid) {
    public static final Process ROOT = new Process(List.of(), "", 0, 0);
  }

  /**
   * Starting a guest: new namespaces, the overlay root mounted inside its own mount namespace (so
   * it vanishes with it), a minimal /dev, masked /proc and /sys, pivot_root, restricted root, then
   * {@code argv}.
   *
   * @param detached whether the guest leaves the caller (system guests and background application
   *     guests): its output then goes to its console log
   */
  public Plan start(
      GuestConfig config, Layout layout, List<String> argv, boolean detached, Process process) {
    return start(config, layout, argv, detached, process, null);
  }

  /**
   * The same, unprivileged with {@code ids} (or privileged with null): a user namespace first, so
   * that it owns every other one, mapping the guest's ids 0..65535 to {@code ids}; the template
   * seen through that mapping; device nodes bound from the host (mknod is refused there).
   */
  public Plan start(
      GuestConfig config,
      Layout layout,
      List<String> argv,
      boolean detached,
      Process process,
      IdRange ids) {
    NetConfig net = NetConfig.from(config.resources());
    Set<Namespace> namespaces = EnumSet.copyOf(GUEST_NAMESPACES);
    if (!net.mode().ownStack()) {
      namespaces.remove(Namespace.NET); // host and host-ip share the host's (docs/networking.md)
    }
    if (ids != null) {
      namespaces.add(Namespace.USER);
    }
    GuestResources.ConsoleLog log = GuestResources.console(config.resources());
    Map<String, String> env = environment(config.hostname(), null);
    for (String e : process.env()) {
      int eq = e.indexOf('=');
      if (eq > 0) {
        env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    String cwd = process.cwd().isEmpty() ? "/" : process.cwd();
    boolean root = process.uid() == 0 && process.gid() == 0;
    // Its console is its own (as on a terminal): unprivileged, it may reopen /dev/stdout.
    Plan.PipeOwner owner =
        ids == null ? null : new Plan.PipeOwner(ids.host(process.uid()), ids.host(process.gid()));
    return new Plan(
        new Plan.Namespaces(
            namespaces, Map.of(), ids == null ? null : ids.map(), ids == null ? null : ids.map()),
        layout.overlay(ids != null),
        mounts(layout, GuestNetwork.etcFiles(net), ids != null, !net.mode().ownStack()),
        new Plan.Devices(DEV_NODES, DEV_LINKS, ids != null),
        masks(),
        READONLY,
        Map.of(),
        config.hostname(),
        null,
        Plan.Hooks.NONE,
        // An image's User: leaving uid 0 keeps no capabilities, as Docker does.
        new ProcessSpec(
            argv,
            env,
            cwd,
            root
                ? ProcessSpec.User.ROOT
                : new ProcessSpec.User(process.uid(), process.gid(), List.of(process.gid()), 0022),
            restricted(config, root),
            true,
            seccomp,
            rlimits(config, ids != null),
            null),
        detached
            ? new Plan.Log(layout.console(), log.maxBytes(), log.files(), owner)
            : new Plan.Relay(owner),
        new Plan.Monitored(layout.statusFile(), Instances.EXEC_SOCKET, true),
        landlockScopes(net.mode().ownStack()),
        net.mode().ownStack());
  }

  /**
   * The Landlock scopes a guest's monitor confines itself, the guest and every exec to. The host's
   * network namespace holds the host's abstract unix sockets: out of reach for a guest in it.
   */
  static long landlockScopes(boolean ownNetworkStack) {
    return !ownNetworkStack && Landlock.scopesAbstractSockets()
        ? Landlock.SCOPE_ABSTRACT_UNIX_SOCKET
        : 0;
  }

  /**
   * Running a command in a started guest: all its namespaces joined through its init's pidfd, then
   * the same restrictions as its init; on a pseudo-terminal or through relayed pipes.
   */
  public PlanProgram.Exec exec(
      GuestConfig config, long initPid, List<String> argv, boolean tty, String term) {
    return exec(config, initPid, argv, tty, term, false);
  }

  /** The same; {@code userNs}: the guest runs unprivileged, in a user namespace of its own. */
  public PlanProgram.Exec exec(
      GuestConfig config,
      long initPid,
      List<String> argv,
      boolean tty,
      String term,
      boolean userNs) {
    return exec(config, initPid, argv, tty, term, userNs, null);
  }

  /**
   * The same; {@code root}: the host ids of an unprivileged guest's root, which then owns the
   * exec's pipes (so that it may reopen /dev/stdout), or null.
   */
  public PlanProgram.Exec exec(
      GuestConfig config,
      long initPid,
      List<String> argv,
      boolean tty,
      String term,
      boolean userNs,
      Plan.PipeOwner root) {
    Set<Namespace> join = EnumSet.copyOf(GUEST_NAMESPACES);
    if (userNs) {
      join.add(Namespace.USER);
    }
    ProcessSpec process =
        new ProcessSpec(
            argv,
            environment(config.hostname(), tty ? term : null),
            "/",
            ProcessSpec.User.ROOT,
            restricted(config, true),
            true,
            seccomp,
            rlimits(config, userNs),
            null);
    return new PlanProgram.Exec(
        initPid, join, process, tty ? new Plan.Terminal() : new Plan.Relay(root), false, true);
  }

  /** /proc, /dev and its file systems, /sys, the lxcfs views and the files networking writes. */
  private List<Plan.Mount> mounts(
      Layout layout, List<String> etcFiles, boolean userNs, boolean hostNet) {
    List<Plan.Mount> m = new ArrayList<>();
    m.add(Plan.Mount.of("proc", "proc", "/proc", NOSUID_NODEV_NOEXEC, ""));
    m.add(
        Plan.Mount.of(
            "tmpfs",
            "tmpfs",
            "/dev",
            MountFlags.NOSUID | MountFlags.STRICTATIME,
            "mode=755,size=65536k"));
    m.add(
        Plan.Mount.of(
            "devpts",
            "devpts",
            "/dev/pts",
            MountFlags.NOSUID | MountFlags.NOEXEC,
            // the terminals of enter and exec -t are opened by the monitor (host root): in a
            // user namespace they would belong to no one the guest knows, so to its root
            "newinstance,ptmxmode=0666,mode=0620," + (userNs ? "uid=0,gid=5" : "gid=5")));
    // /dev/shm: a directory of /dev's tmpfs (its 64 MiB shared with /dev's few nodes) bound onto
    // itself nosuid,nodev,noexec, not a tmpfs of its own: every superblock costs each memory
    // cgroup on the host a shrinker slot (docs/evaluation.md, density)
    m.add(
        Plan.Mount.bindInRoot("/dev/shm", "/dev/shm", Plan.Target.STICKY_DIRECTORY)
            .remountedWith(NOSUID_NODEV_NOEXEC));
    m.add(Plan.Mount.of("mqueue", "mqueue", "/dev/mqueue", NOSUID_NODEV_NOEXEC, ""));
    // The console is a harmless sink; the guest's console output is its init's stdout/stderr,
    // which the monitor copies to $JVS_RUN/guests/NAME/console.log.
    m.add(Plan.Mount.bind("/dev/null", "/dev/console", 0, Plan.Target.FILE));
    if (userNs && hostNet) {
      // sysfs may only be mounted by the owner of the network namespace: the host's, read-only,
      // without the host's cgroup hierarchies and other mounts below it (a recursive bind would
      // show them, and criu could not restore them one by one: they are locked to it)
      m.add(
          Plan.Mount.cloneOf("/sys", "/sys")
              .remountedWith(MountFlags.RDONLY | NOSUID_NODEV_NOEXEC));
    } else {
      m.add(Plan.Mount.of("sysfs", "sysfs", "/sys", MountFlags.RDONLY | NOSUID_NODEV_NOEXEC, ""));
    }
    m.addAll(LxcfsView.mounts(lxcfs));
    // Written by jvs on the host; bound over the guest's files, resolved inside its root. A
    // name the guest made a dangling symlink stays the guest's own.
    for (String f : etcFiles) {
      m.add(
          Plan.Mount.bind(layout.etc().resolve(f).toString(), "/etc/" + f, 0, Plan.Target.FILE)
              .ifPresent());
    }
    return m;
  }

  private static List<Plan.Mask> masks() {
    List<Plan.Mask> masks = new ArrayList<>();
    MASKED_FILES.forEach(f -> masks.add(new Plan.Mask(f, false)));
    MASKED_DIRS.forEach(d -> masks.add(new Plan.Mask(d, true)));
    return masks;
  }

  /** Restricted root: the guest's bounding set, and nothing effective for another user. */
  private static ProcessSpec.Caps restricted(GuestConfig config, boolean root) {
    long caps = Capability.mask(config.capabilities());
    return root ? ProcessSpec.Caps.of(caps) : new ProcessSpec.Caps(caps, 0, 0, 0, 0);
  }

  /**
   * memory.memlock, and the per-user quotas guest root shares with host root: the kernel checks
   * those totals against the user's (or receiver's) limit, so guests below host root's limits can
   * never take the whole (docs/security.md); in a user namespace of its own ({@code userNs}), its
   * pids.max as RLIMIT_NPROC ({@link ProcessCap}).
   */
  private List<ProcessSpec.Rlimit> rlimits(GuestConfig config, boolean userNs) {
    List<ProcessSpec.Rlimit> r = new ArrayList<>();
    GuestResources.memlock(config.resources())
        .ifPresent(
            bytes -> r.add(new ProcessSpec.Rlimit(ProcessSpec.Rlimit.MEMLOCK, bytes, bytes)));
    r.add(
        new ProcessSpec.Rlimit(
            ProcessSpec.Rlimit.MSGQUEUE, quotas.msgqueueBytes(), quotas.msgqueueBytes()));
    r.add(
        new ProcessSpec.Rlimit(
            ProcessSpec.Rlimit.SIGPENDING, quotas.pendingSignals(), quotas.pendingSignals()));
    if (userNs) {
      ProcessCap.rlimit(config.resources(), quotas.processesHard()).ifPresent(r::add);
    }
    return r;
  }

  private static Map<String, String> environment(String hostname, String term) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", PATH);
    env.put("HOME", "/root");
    env.put("HOSTNAME", hostname);
    env.put("container", "jvs");
    if (term != null) {
      env.put("TERM", term);
    }
    return env;
  }
}
