package dev.jvs.guest;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.kernel.Capability;
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

  public LaunchPlans(byte[] seccompFilter) {
    this(seccompFilter, null);
  }

  /** With {@code lxcfs}, the mount point of an lxcfs instance for guest-local views (or null). */
  public LaunchPlans(byte[] seccompFilter, Path lxcfs) {
    this.seccompFilter = seccompFilter.clone();
    this.lxcfs = lxcfs;
  }

  /**
   * Where a guest's filesystem comes from and where its monitor records the exit; {@code etc}
   * holds the files networking writes for the guest's /etc (see {@link EtcBinds}), or null.
   */
  public record Layout(Path lower, Path upper, Path work, Path mountPoint, Path statusFile,
      String disk, Path diskMount, Path etc) {
    public Layout(Path lower, Path upper, Path work, Path mountPoint, Path statusFile) {
      this(lower, upper, work, mountPoint, statusFile, null, null, null);
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
    if (detached) {
      p.detach();
    }
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
    p.mkdir(root + "/proc", 0555);
    p.mount("proc", root + "/proc", "proc", MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC, "");
    mountDev(p, root);
    p.mkdir(root + "/sys", 0555);
    p.mount("sysfs", root + "/sys", "sysfs",
        MountFlags.RDONLY | MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC, "");
    LxcfsView.bind(p, root, lxcfs);
    maskAndProtect(p, root);
    List<String> etcFiles = GuestNetwork.etcFiles(NetConfig.from(config.resources()));
    EtcBinds.stage(p, root, layout.etc(), etcFiles);
    p.pivotRoot(root);
    EtcBinds.bind(p, layout.etc(), etcFiles);
    p.sethostname(config.hostname());
    p.unshare(Ns.CGROUP); // after the caller placed us: the guest's cgroup becomes its "/"
    GuestResources.memlock(config.resources())
        .ifPresent(bytes -> p.rlimit(RLIMIT_MEMLOCK, bytes, bytes));
    if (!process.cwd().isEmpty()) {
      p.mkdir(process.cwd(), 0755);
    }
    p.chdir(process.cwd().isEmpty() ? "/" : process.cwd());
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

  private static void mountDev(LaunchProgram.Builder p, String root) {
    String dev = root + "/dev";
    p.mkdir(dev, 0755);
    p.mount("tmpfs", dev, "tmpfs", MountFlags.NOSUID | MountFlags.STRICTATIME, "mode=755,size=65536k");
    for (Node n : DEV_NODES) {
      p.mknod(dev + "/" + n.name(), S_IFCHR | 0666, n.major(), n.minor());
    }
    p.mkdir(dev + "/pts", 0755);
    p.mount("devpts", dev + "/pts", "devpts", MountFlags.NOSUID | MountFlags.NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620,gid=5");
    p.symlink("pts/ptmx", dev + "/ptmx");
    p.mkdir(dev + "/shm", 01777);
    p.mount("shm", dev + "/shm", "tmpfs", MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC,
        "mode=1777,size=65536k");
    p.mkdir(dev + "/mqueue", 0755);
    p.mount("mqueue", dev + "/mqueue", "mqueue",
        MountFlags.NOSUID | MountFlags.NODEV | MountFlags.NOEXEC, "");
    // The console is a harmless sink; the guest's console output is its init's stdout/stderr,
    // which the monitor sends to $JVS_RUN/guests/NAME/console.log.
    p.touch(dev + "/console", 0600);
    p.mount(dev + "/null", dev + "/console", "", MountFlags.BIND, "");
    p.symlink("/proc/self/fd", dev + "/fd");
    p.symlink("/proc/self/fd/0", dev + "/stdin");
    p.symlink("/proc/self/fd/1", dev + "/stdout");
    p.symlink("/proc/self/fd/2", dev + "/stderr");
  }

  private static void maskAndProtect(LaunchProgram.Builder p, String root) {
    for (String file : MASKED_FILES) {
      p.mountIfPresent(root + "/dev/null", root + file, "", MountFlags.BIND, "");
    }
    for (String dir : MASKED_DIRS) {
      p.mountIfPresent("tmpfs", root + dir, "tmpfs", MountFlags.RDONLY, "size=0");
    }
    for (String path : READONLY) {
      p.mountIfPresent(root + path, root + path, "", MountFlags.BIND | MountFlags.REC, "");
      p.mountIfPresent(root + path, root + path, "",
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
