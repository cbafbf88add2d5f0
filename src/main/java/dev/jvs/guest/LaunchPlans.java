package dev.jvs.guest;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.guest.state.StateStore;
import dev.jvs.kernel.Capability;
import dev.jvs.kernel.Landlock;
import dev.jvs.kernel.Signal;
import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.MountFlags;
import dev.jvs.launch.Ns;
import dev.jvs.net.GuestNetwork;
import dev.jvs.net.NetConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates a guest into launch programs (docs/launch-program.md): the policy of what a guest
 * is — namespaces, root filesystem, /dev, /proc and /sys, restricted root — lives here.
 */
public final class LaunchPlans {
  static final long GUEST_NAMESPACES = Ns.PID | Ns.MOUNT | Ns.UTS | Ns.IPC | Ns.NET;
  static final long JOIN_NAMESPACES = GUEST_NAMESPACES | Ns.CGROUP;
  private static final int S_IFCHR = 0020000;
  private static final int RLIMIT_MEMLOCK = 8;
  private static final int RLIMIT_SIGPENDING = 11;
  private static final int RLIMIT_MSGQUEUE = 12;
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** Files masked with /dev/null and directories masked with an empty read-only tmpfs. */
  static final List<String> MASKED_FILES =
      List.of("/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
          "/proc/timer_stats", "/proc/sched_debug");
  static final List<String> MASKED_DIRS =
      List.of("/proc/acpi", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
  /** Paths that stay visible but read-only. */
  static final List<String> READONLY =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private record Node(String name, int major, int minor) {}

  private static final List<Node> DEV_NODES =
      List.of(new Node("null", 1, 3), new Node("zero", 1, 5), new Node("full", 1, 7),
          new Node("random", 1, 8), new Node("urandom", 1, 9), new Node("tty", 5, 0));

  private final byte[] seccompFilter;
  private final Path lxcfs;
  private final SharedQuotas quotas;

  /**
   * Per-user kernel quotas of host root that the kernel checks against the using process's
   * rlimit: guests get these limits (-1: unlimited), below host root's own.
   */
  public record SharedQuotas(long msgqueueBytes, long pendingSignals) {
    public static final SharedQuotas NONE = new SharedQuotas(-1, -1);
  }

  public LaunchPlans(byte[] seccompFilter) {
    this(seccompFilter, null, SharedQuotas.NONE);
  }

  /** With {@code lxcfs}, the mount point of an lxcfs instance for guest-local views (or null). */
  public LaunchPlans(byte[] seccompFilter, Path lxcfs, SharedQuotas quotas) {
    this.seccompFilter = seccompFilter.clone();
    this.lxcfs = lxcfs;
    this.quotas = quotas;
  }

  /**
   * Where a guest's filesystem comes from ({@code disk}: the block device of its disk.space
   * image, mounted at {@code diskMount}, or null) and its run directory on the host, where the
   * monitor keeps the exit status, the console log, the exec socket and the files networking
   * writes for the guest's /etc (see {@link EtcBinds}).
   */
  public record Layout(Path lower, Path upper, Path work, Path mountPoint, Path run, String disk,
      Path diskMount) {
    public Layout(Path lower, Path upper, Path work, Path mountPoint, Path run) {
      this(lower, upper, work, mountPoint, run, null, null);
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
   * An image's process defaults (OCI Env, WorkingDir, User resolved to ids); {@link #ROOT}
   * when the template has none.
   */
  public record Process(List<String> env, String cwd, long uid, long gid) {
    public static final Process ROOT = new Process(List.of(), "", 0, 0);
  }

  public LaunchProgram start(
      GuestName name, GuestConfig config, Layout layout, List<String> argv, boolean detached) {
    return start(name, config, layout, argv, detached, Process.ROOT);
  }

  /**
   * Starting a guest: new namespaces, the overlay root mounted inside its own mount namespace
   * (so it vanishes with it), a minimal /dev, masked /proc and /sys, pivot_root, restricted
   * root, then {@code argv}.
   *
   * @param detached whether the guest leaves the caller's terminal session (system guests and
   *     background application guests)
   */
  public LaunchProgram start(GuestName name, GuestConfig config, Layout layout, List<String> argv,
      boolean detached, Process process) {
    LaunchProgram.Builder p = LaunchProgram.builder().statusFile(layout.statusFile().toString());
    // Through the monitor: a guest never holds a host file it could reopen or grow unbounded.
    if (detached) {
      p.detach();
      GuestResources.ConsoleLog log = GuestResources.console(config.resources());
      p.log(layout.console().toString(), log.maxBytes(), log.files());
    } else {
      p.stdioPipes();
    }
    if (!NetConfig.from(config.resources()).mode().ownStack() && Landlock.scopesAbstractSockets()) {
      // The host's network namespace holds the host's abstract unix sockets: out of reach for
      // the guest and for every exec, which the monitor forks inside this domain.
      p.landlockScope(Landlock.SCOPE_ABSTRACT_UNIX_SOCKET);
    }
    p.execSocket(StateStore.EXEC_SOCKET);
    // host and host-ip guests share the host's network stack (docs/networking.md)
    p.clone(NetConfig.from(config.resources()).mode().ownStack()
        ? GUEST_NAMESPACES : GUEST_NAMESPACES & ~Ns.NET);
    p.pdeathsig(Signal.SIGKILL);
    if (detached) {
      p.setsid();
    }
    String root = layout.mountPoint().toString();
    p.mount("", "/", "", MountFlags.REC | MountFlags.PRIVATE, "");
    if (layout.disk() != null) {
      // disk.space: the private layer's own filesystem, mounted in the guest's namespace only.
      p.mount(layout.disk(), layout.diskMount().toString(), "ext4", MountFlags.NOSUID, "");
    }
    p.mount("overlay", root, "overlay", 0,
        "lowerdir=" + layout.lower() + ",upperdir=" + layout.upper() + ",workdir=" + layout.work());
    // From here on every path is relative: inside the guest's tree, whatever it planted there.
    p.root(root);
    p.mkdir("proc", 0555);
    p.mount("proc", "proc", "proc", MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC, "");
    mountDev(p);
    p.mkdir("sys", 0555);
    p.mount("sysfs", "sys", "sysfs",
        MountFlags.RDONLY | MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC, "");
    LxcfsView.bind(p, lxcfs);
    maskAndProtect(p);
    List<String> etcFiles = GuestNetwork.etcFiles(NetConfig.from(config.resources()));
    EtcBinds.stage(p, layout.etc(), etcFiles);
    p.pivotRoot(".");
    EtcBinds.bind(p, layout.etc(), etcFiles);
    p.sethostname(config.hostname());
    p.unshare(Ns.CGROUP); // after the caller placed us: the guest's cgroup becomes its "/"
    GuestResources.memlock(config.resources())
        .ifPresent(bytes -> p.rlimit(RLIMIT_MEMLOCK, bytes, bytes));
    String cwd = relative(process.cwd());
    if (!cwd.equals(".")) {
      p.mkdir(cwd, 0755);
    }
    p.chdir(cwd);
    restrict(p, config, process);
    Map<String, String> env = environment(config.hostname(), null);
    for (String e : process.env()) {
      int eq = e.indexOf('=');
      if (eq > 0) {
        env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    p.env(env);
    p.exec(argv);
    return p.build();
  }

  /**
   * Running a command in a started guest: join all its namespaces through its init's pidfd,
   * then the same restrictions as its init.
   */
  public LaunchProgram exec(
      GuestName name, GuestConfig config, long initPid, List<String> argv, boolean tty, String term) {
    LaunchProgram.Builder p = LaunchProgram.builder();
    p.join(initPid, JOIN_NAMESPACES);
    if (tty) {
      p.pty();
    } else {
      p.stdioPipes(); // the caller's files stay out of the guest's reach
    }
    p.clone(0);
    p.pdeathsig(Signal.SIGKILL);
    p.chdir("/");
    GuestResources.memlock(config.resources())
        .ifPresent(bytes -> p.rlimit(RLIMIT_MEMLOCK, bytes, bytes));
    restrict(p, config);
    p.env(environment(config.hostname(), tty ? term : null));
    p.exec(argv);
    return p.build();
  }

  /** A guest path as an operation inside the root takes it ("." for the root itself). */
  static String relative(String guestPath) {
    String r = guestPath.replaceAll("^/+", "");
    return r.isEmpty() ? "." : r;
  }

  private static void mountDev(LaunchProgram.Builder p) {
    p.mkdir("dev", 0755);
    p.mount("tmpfs", "dev", "tmpfs", MountFlags.NOSUID | MountFlags.STRICTATIME, "mode=755,size=65536k");
    for (Node n : DEV_NODES) {
      p.mknod("dev/" + n.name(), S_IFCHR | 0666, n.major(), n.minor());
    }
    p.mkdir("dev/pts", 0755);
    p.mount("devpts", "dev/pts", "devpts", MountFlags.NOSUID | MountFlags.NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620,gid=5");
    p.symlink("pts/ptmx", "dev/ptmx");
    p.mkdir("dev/shm", 01777);
    p.mount("shm", "dev/shm", "tmpfs", MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC,
        "mode=1777,size=65536k");
    p.mkdir("dev/mqueue", 0755);
    p.mount("mqueue", "dev/mqueue", "mqueue",
        MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC, "");
    // The console is a harmless sink; the guest's console output is its init's stdout/stderr,
    // which the monitor copies to $JVS_RUN/guests/NAME/console.log.
    p.touch("dev/console", 0600);
    p.mount("dev/null", "dev/console", "", MountFlags.BIND, "");
    p.symlink("/proc/self/fd", "dev/fd");
    p.symlink("/proc/self/fd/0", "dev/stdin");
    p.symlink("/proc/self/fd/1", "dev/stdout");
    p.symlink("/proc/self/fd/2", "dev/stderr");
  }

  private static void maskAndProtect(LaunchProgram.Builder p) {
    for (String file : MASKED_FILES) {
      p.mountIfPresent("dev/null", relative(file), "", MountFlags.BIND, "");
    }
    for (String dir : MASKED_DIRS) {
      p.mountIfPresent("tmpfs", relative(dir), "tmpfs", MountFlags.RDONLY, "size=0");
    }
    for (String path : READONLY) {
      String rel = relative(path);
      p.mountIfPresent(rel, rel, "", MountFlags.BIND | MountFlags.REC, "");
      p.mountIfPresent(rel, rel, "",
          MountFlags.BIND | MountFlags.REMOUNT | MountFlags.RDONLY | MountFlags.NOSUID
              | MountFlags.NODEV | MountFlags.NOEXEC, "");
    }
  }

  /** Restricted root: bounding set, no_new_privs, capabilities, then the seccomp filter last. */
  private void restrict(LaunchProgram.Builder p, GuestConfig config) {
    restrict(p, config, Process.ROOT);
  }

  private void restrict(LaunchProgram.Builder p, GuestConfig config, Process process) {
    long caps = Capability.mask(config.capabilities());
    // Guest root is host root, so host root's per-user mqueue bytes and pending signals are the
    // guests' too; the kernel checks those totals against the user's (or receiver's) limit, so
    // guests below host root's limits can never take the whole (docs/security.md).
    p.rlimit(RLIMIT_MSGQUEUE, quotas.msgqueueBytes(), quotas.msgqueueBytes());
    p.rlimit(RLIMIT_SIGPENDING, quotas.pendingSignals(), quotas.pendingSignals());
    p.capBounding(caps);
    p.noNewPrivs();
    p.capset(caps, caps, 0);
    if (process.uid() != 0 || process.gid() != 0) {
      // An image's User: leaving uid 0 clears the capability sets (no keepcaps).
      p.setgroups(List.of(process.gid()));
      p.setgid(process.gid());
      p.setuid(process.uid());
    }
    p.seccomp(0, seccompFilter);
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
