package dev.jvs.runtime;

import dev.jvs.base.JvsException;
import dev.jvs.base.Trace;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.kernel.Libc;
import dev.jvs.kernel.ProcStat;
import dev.jvs.kernel.Signal;
import dev.jvs.kernel.SocketPair;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * Checkpoint and restore of a running instance through criu (docs/checkpoint.md). A dump freezes
 * the tree under the instance's first process into an image directory; a restore brings it back in
 * a fresh cgroup with the instance's limits, on its root remounted in a mount namespace of criu's
 * own (nothing appears on the host), and records it like a launch. criu stays the restored tree's
 * parent (the first process keeps its parent-death signal): a guest's criu under a jvs-init
 * monitor, as a started guest's first process is ({@link CriuLaunches}), an OCI container's as its
 * own monitor until it leaves.
 */
public final class Checkpoints {
  /** What jvs adds to criu's images: the instance's namespaces, labels and inherited stdio. */
  public static final String META = "jvs-checkpoint.properties";

  private static final String DUMP_LOG = "dump.log";
  private static final String RESTORE_LOG = "restore.log";
  private static final String PIDFILE = "restored.pid";
  private static final String PLUMBING_GATE = "plumbing-gate";

  /**
   * The restore's {@link Trace} mark once the tree runs (criu's log says it resumed it): what comes
   * after it happens while the tree runs.
   */
  public static final String RESUMED = "criu restored the tree";

  /**
   * Beside the plumbing gate: criu reached pre-restore, and the front-end's cgroup work is done.
   */
  private static final String PRE_RESTORE = ".pre-restore";

  private static final String PLUMBED = ".plumbed";

  /** How long criu's pre-restore step waits for jvs's go (5 ms steps: 120 s, criu's deadline). */
  private static final int PLUMB_STEPS = 24_000;

  /**
   * criu started by this process (an OCI container's restore), once the caller placed it in the
   * cgroup and said go on stdin: reopens stdin from "$1" (the host's /dev/null, or the caller's
   * stdin through /proc), mounts a disk.space image's device "$4" on "$5" when given, mounts the
   * root (overlay options "$2" on "$3", or with "$2" empty the root bound onto itself: criu
   * restores onto a mount point), then becomes criu. A guest's restore does the same with launch
   * operations ({@link CriuLaunches#rootOperations}).
   */
  private static final String RESTORE_SHELL =
      "read -r go && exec <\"$1\" && { [ -z \"$4\" ] || mount -t ext4 -o nosuid \"$4\" \"$5\"; }"
          + " && if [ -n \"$2\" ]; then mount -t overlay overlay -o \"$2\" \"$3\";"
          + " else mount --rbind \"$3\" \"$3\"; fi && shift 5 && exec \"$@\"";

  /**
   * As above in the mount namespace of a {@link RestoreRoot}, where the root is mounted already.
   */
  private static final String ENTERED_SHELL = "read -r go && exec <\"$1\" && shift && exec \"$@\"";

  /**
   * Where the tree lives, as criu must know it. {@code hostNetwork}: in the host's network stack,
   * whose TCP connections are the host's, so criu neither locks nor carries them (it refuses an
   * established one). {@code landlockScopes}: the Landlock scopes its monitor confined it to (0:
   * none); criu must run inside that domain, its parasite's socket to criu being scoped. With
   * {@code statusFile} (a guest's), a restore runs under a jvs-init monitor as a start does, which
   * enters that domain, records the end in the file and serves execs beside it; without (null: an
   * OCI container's), criu started here stays the tree's parent.
   */
  public record Confinement(boolean hostNetwork, long landlockScopes, Path statusFile) {
    /** A tree in network namespaces of its own, in no domain criu must share. */
    public static final Confinement NONE = new Confinement(false, 0, null);

    boolean inDomain() {
      return landlockScopes != 0;
    }

    /** Whether a restore runs under a jvs-init monitor, as a start does. */
    boolean monitored() {
      return statusFile != null;
    }
  }

  /** In the images' META: whether the tree was in the host's network stack. */
  private static final String HOST_NETWORK = "hostNetwork";

  private final Instances instances;
  private final CriuLaunches launches;

  public Checkpoints(Instances instances) {
    this.instances = instances;
    this.launches = new CriuLaunches(instances);
  }

  /**
   * Dumps the running instance {@code s} into {@code images} (emptied first); unless {@code
   * leaveRunning}, its processes are gone afterwards. TCP connections are dumped established.
   */
  public void dump(Instance i, InstanceState s, Path images, boolean leaveRunning) {
    dump(i, s, images, leaveRunning, List.of());
  }

  /** As above, with criu options the caller asked for (e.g. {@code --file-locks}). */
  public void dump(
      Instance i, InstanceState s, Path images, boolean leaveRunning, List<String> criuOptions) {
    dump(i, s, images, leaveRunning, criuOptions, Confinement.NONE);
  }

  /** As above, for a tree confined as {@code confinement} says. */
  public void dump(
      Instance i,
      InstanceState s,
      Path images,
      boolean leaveRunning,
      List<String> criuOptions,
      Confinement confinement) {
    Criu criu = Criu.find(i.id());
    emptyDirectory(images);
    InheritedStdio stdio = InheritedStdio.of(s.initPid());
    List<String> args = dumpArguments(criu, s, images, stdio, confinement);
    String meta = meta(s, stdio, confinement);
    if (leaveRunning) {
      args.add("--leave-running");
    }
    args.addAll(criuOptions);
    Path log = images.resolve(DUMP_LOG);
    try {
      if (confinement.inDomain()) {
        launches.dumpInDomain(i, criu, "dump", args, log);
      } else {
        criu.run(i.id(), "dump", args, log);
      }
    } catch (JvsException e) {
      if (confinement.hostNetwork()
          && Criu.firstError(log).filter(t -> t.contains("Connected TCP socket")).isPresent()) {
        throw new JvsException(
            i.id()
                + ": it holds an established TCP connection, which is the host's: a guest in the"
                + " host's network stack is checkpointed with listening sockets only; it runs on"
                + " (log: "
                + log
                + ")",
            e);
      }
      throw e;
    }
    writeMeta(images, meta);
  }

  /**
   * What a post-copy dump's caller does at its two moments (docs/migration.md). Neither may leave
   * anything half done: a throw is the caller's failure, and the tree runs here again.
   */
  public interface Handoff {
    /**
     * The images, all but the memory, are written and the tree is frozen since {@code frozenAt}
     * ({@link System#nanoTime()}, from criu's log: never late): ship them.
     */
    void imagesWritten(long frozenAt);

    /**
     * criu serves the tree's memory on the other end of {@code pages} (a socket pair: no port
     * listens): have it restored elsewhere, fetching its memory through it; return once it runs
     * there. A throw must have made that page server fail (so that criu resumes the tree here) or
     * never have let it be reached.
     */
    void pagesServed(SocketPair pages);
  }

  /**
   * A post-copy dump's failure after its caller's handoff succeeded (the tree runs elsewhere): the
   * tree here is gone, and some of its memory may not have reached the other copy.
   */
  public static final class AfterResumeFailure extends JvsException {
    AfterResumeFailure(String message) {
      super(message);
    }
  }

  /** How long the memory may take to be fetched once the tree runs elsewhere. */
  private static final Duration POST_COPY = Duration.ofHours(1);

  /**
   * Post-copy: dumps the running instance {@code s} into {@code images} without its memory, which
   * criu then serves for a restore elsewhere ({@code handoff}); returns once all of it was fetched
   * and the tree here is gone. On any failure the tree runs here again and the failure says why.
   */
  public void dumpLazily(Instance i, InstanceState s, Path images, Handoff handoff) {
    dumpLazily(i, s, images, handoff, List.of());
  }

  /** As above, with criu options the caller asked for (e.g. {@code --file-locks}). */
  public void dumpLazily(
      Instance i, InstanceState s, Path images, Handoff handoff, List<String> criuOptions) {
    Criu criu = Criu.find(i.id());
    emptyDirectory(images);
    InheritedStdio stdio = InheritedStdio.of(s.initPid());
    Path log = images.resolve(DUMP_LOG);
    List<String> args = dumpArguments(criu, s, images, stdio, Confinement.NONE);
    args.addAll(criuOptions);
    String meta = meta(s, stdio, Confinement.NONE);
    try (LazyDump dump = LazyDump.start(criu, i.id(), args, log)) {
      dump.awaitImages(criu); // a failure here: criu resumed the tree
      try {
        writeMeta(images, meta);
        handoff.imagesWritten(dump.frozenAt());
      } catch (RuntimeException e) {
        dump.abort(criu);
        throw e;
      }
      dump.release(criu);
      try {
        handoff.pagesServed(dump.pages());
      } catch (RuntimeException e) {
        if (dump.endAfterFailure(criu) == 0) {
          e.addSuppressed(new JvsException(i.id() + ": the tree here had already ended"));
        } else {
          NetworkLock.release(i.id(), s.initPid());
        }
        throw e;
      }
      if (dump.awaitEnd(criu, POST_COPY) != 0) {
        // criu resumed the tree here, while it runs there on part of its memory: end this copy
        Libc.kill((int) s.initPid(), Signal.SIGKILL);
        throw new AfterResumeFailure(
            Criu.failure(i.id(), "dump (its page server, after the resume there)", 1, log)
                    .getMessage()
                + "; the tree here was killed");
      }
    }
  }

  private static List<String> dumpArguments(
      Criu criu, InstanceState s, Path images, InheritedStdio stdio, Confinement confinement) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "dump",
            "-t",
            Long.toString(s.initPid()),
            "-D",
            images.toString(),
            "-o",
            images.resolve(DUMP_LOG).toString(),
            "-v4",
            "--ext-mount-map",
            "auto",
            // Every restore makes the instance's cgroup itself and ignores criu's record of it;
            // recording it, criu mounts each hierarchy and walks it once per process of the tree,
            // while the tree is frozen (5-15 ms a process on this v1 host).
            "--manage-cgroups=ignore"));
    // criu's default lock runs iptables-restore twice to lock and twice to unlock, and a restore
    // does both (~60 ms of a 175 ms restore on an idle host); nftables is in-process (libnftables).
    // The restore reads the method from the images' inventory. criu locks the tree's network
    // namespace whatever it is: in the host's, no lock (its table or chain would stay on the host
    // after the dump, hooked into all of its traffic), and no connection to carry.
    if (confinement.hostNetwork()) {
      args.addAll(List.of("--network-lock", "skip"));
    } else {
      args.add("--tcp-established");
      if (criu.locksWithNftables()) {
        args.addAll(List.of("--network-lock", "nftables"));
      }
    }
    for (String key : stdio.distinctKeys()) {
      args.add("--external");
      args.add(key);
    }
    return args;
  }

  /**
   * What the images do not say, as the file beside them holds it: made before the dump, since the
   * first {@link Properties#store} of a process loads the time zone for its date line (~30 ms), and
   * after the dump the tree is frozen.
   */
  private static String meta(InstanceState s, InheritedStdio stdio, Confinement confinement) {
    Map<String, String> meta = new LinkedHashMap<>(stdio.asProperties());
    meta.put("namespaces", Long.toString(s.namespaces()));
    meta.put(HOST_NETWORK, Boolean.toString(confinement.hostNetwork()));
    s.labels().forEach((k, v) -> meta.put("label." + k, v));
    return metaText(meta);
  }

  private static void writeMeta(Path images, String text) {
    Path file = images.resolve(META);
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The root a restore mounts: overlay options and the mount point the dump's root had, with a
   * disk.space image's {@code disk} (a block device, or null) first mounted at {@code diskMount};
   * for a tree that ran in a user namespace of its own, its overlay (idmapped, with its disk) and
   * id map instead.
   */
  public record Root(
      String overlayOptions,
      Path mountPoint,
      String disk,
      Path diskMount,
      Plan.Overlay idmappedOverlay,
      String idMap) {
    public Root(String overlayOptions, Path mountPoint) {
      this(overlayOptions, mountPoint, null, null, null, null);
    }

    /**
     * The overlay on a disk.space image's filesystem: {@code disk} (a block device) is mounted at
     * {@code diskMount} first, as a start mounts it.
     */
    public static Root onDisk(String overlayOptions, Path mountPoint, String disk, Path diskMount) {
      return new Root(overlayOptions, mountPoint, disk, diskMount, null, null);
    }

    /** A root that is there already (an OCI bundle's rootfs): criu's namespace binds it. */
    public static Root existing(Path rootfs) {
      return new Root("", rootfs);
    }

    /**
     * An unprivileged guest's root, mounted as its start mounts it ({@link RestoreRoot}): the
     * template idmapped through a user namespace with {@code idMap}, then the overlay.
     */
    public static Root inUserNamespace(Plan.Overlay overlay, String idMap) {
      return new Root("", overlay.mountPoint(), null, null, overlay, idMap);
    }
  }

  /**
   * Where a restored tree's stdio goes: to a console log (stdin the host's /dev/null), or, with
   * {@code log} empty, the caller's own stdin, stdout and stderr (an OCI runtime's, whose caller
   * relays them), each dumped stdio fd to the same fd. criu started here appends to the log's file;
   * under a jvs-init monitor the tree writes to a pipe the monitor copies to it, rotated, as after
   * a start (so that the next dump finds a pipe there, not a host file).
   */
  public record Output(Optional<Plan.Log> log) {
    public static Output appendTo(Path consoleLog) {
      return new Output(Optional.of(new Plan.Log(consoleLog, 0, 0)));
    }

    public static Output logTo(Plan.Log log) {
      return new Output(Optional.of(log));
    }

    public static Output callers() {
      return new Output(Optional.empty());
    }

    public Optional<Path> consoleLog() {
      return log.map(Plan.Log::file);
    }
  }

  /**
   * Front-end work in a restore's fresh cgroup once criu has probed the kernel and before it forks
   * the tree (a host-ip guest's socket hooks, which would refuse criu's own IPv6 probe).
   */
  @FunctionalInterface
  public interface InCgroup {
    InCgroup NONE = bpfDir -> {};

    void prepare(Optional<Path> bpfDir);
  }

  /**
   * The script criu runs at each step when the front-end has cgroup work to do: pre-restore (criu's
   * kernel probes done, no process of the tree forked yet) says so and waits for it. With no cgroup
   * work there is no script: criu forks itself for every step of a restore to run one (seven steps,
   * 6-13 ms each here, all while the tree is down), and the tree's resume is read from the log
   * instead ({@link #RESUMED_LINE}).
   */
  private static String plumbingScript() {
    return "#!/bin/sh\n# criu runs this at each step; pre-restore waits for the cgroup work\n"
        + "[ \"$CRTOOLS_SCRIPT_ACTION\" = pre-restore ] || exit 0\n"
        + ": > \"$0"
        + PRE_RESTORE
        + "\"; i=0; while [ ! -e \"$0"
        + PLUMBED
        + "\" ]; do i=$((i+1)); [ $i -lt "
        + PLUMB_STEPS
        + " ] || exit 1; sleep 0.005; done\n";
  }

  /** What criu logs once the restored tree runs (criu 4.x, as every release since 2.0). */
  static final String RESUMED_LINE = "Restore finished successfully. Tasks resumed.";

  /**
   * A network namespace of the front-end's making for a restore, the tree's external one (its dump
   * named it {@link #EXTERNAL_NETWORK}): criu's process is cloned into a fresh namespace, which
   * this plumbs, given that process's pid, before criu runs; criu then restores the tree into it
   * rather than recreating the dumped one (no `ip`, `iptables` or veth work in criu).
   */
  @FunctionalInterface
  public interface OwnNamespace {
    void plumb(long pid);
  }

  /** The key a dump gives the tree's network namespace when it is to be external. */
  public static final String EXTERNAL_NETWORK = "jvs-net";

  /** criu's fd for the namespace of an {@link OwnNamespace} restore. */
  private static final int EXTERNAL_NETWORK_FD = 3;

  /**
   * What the front-end plumbed on the host for a restore: criu's arguments for the instance's links
   * (e.g. {@code --external veth[eth0]:HOSTNAME@BRIDGE}), what it does once the fresh cgroup exists
   * and before criu runs, and the teardown of it all should the restore fail; or, with {@code own},
   * the namespace it plumbs itself.
   */
  public record Network(
      List<String> criuArguments,
      InCgroup inCgroup,
      Instances.Teardown teardown,
      Optional<OwnNamespace> own) {
    public static final Network NONE = new Network(List.of(), bpfDir -> {});

    public Network {
      criuArguments = List.copyOf(criuArguments);
    }

    public Network(List<String> criuArguments, InCgroup inCgroup, Instances.Teardown teardown) {
      this(criuArguments, inCgroup, teardown, Optional.empty());
    }

    public Network(List<String> criuArguments, Instances.Teardown teardown) {
      this(criuArguments, InCgroup.NONE, teardown);
    }

    /** The tree's network namespace made and plumbed by {@code own} (a dump that named it). */
    public static Network ownNamespace(OwnNamespace own, Instances.Teardown teardown) {
      return new Network(
          List.of("--inherit-fd", "fd[" + EXTERNAL_NETWORK_FD + "]:" + EXTERNAL_NETWORK),
          InCgroup.NONE,
          teardown,
          Optional.of(own));
    }
  }

  /**
   * Restores the instance from {@code images} with {@code limits} and {@code tuning} in a fresh
   * cgroup, its output appended to {@code consoleLog}; returns its recorded state. On failure
   * nothing of it is left.
   */
  public InstanceState restore(
      Instance i,
      Path images,
      Root root,
      CgroupLimits limits,
      CgroupTuning tuning,
      Path consoleLog) {
    return restore(i, images, root, limits, tuning, consoleLog, Network.NONE);
  }

  /**
   * As {@link #restore(Instance, Path, Root, CgroupLimits, CgroupTuning, Path)}, with the network
   * the front-end prepared on the host; on failure its teardown runs too.
   */
  public InstanceState restore(
      Instance i,
      Path images,
      Root root,
      CgroupLimits limits,
      CgroupTuning tuning,
      Path consoleLog,
      Network network) {
    return restore(i, images, root, limits, tuning, consoleLog, network, Optional.empty());
  }

  /**
   * As above; with {@code lazyPages} a post-copy restore: the images hold no memory, a {@code criu
   * lazy-pages} daemon fetches it from the source's page server at that address while the tree
   * runs.
   */
  public InstanceState restore(
      Instance i,
      Path images,
      Root root,
      CgroupLimits limits,
      CgroupTuning tuning,
      Path consoleLog,
      Network network,
      Optional<InetSocketAddress> lazyPages) {
    return restore(
        i,
        images,
        root,
        limits,
        tuning,
        new Mode(Output.appendTo(consoleLog), network, false, List.of(), lazyPages));
  }

  /**
   * How a restore runs: where the tree's stdio goes, the network the front-end prepared, whether
   * criu leaves once the tree runs ({@code detach}), and criu options the caller asked for (e.g.
   * {@code --file-locks}, given to the dump too), and for a post-copy restore the source's page
   * server; {@code confinement}, where the tree lived (and lives again).
   */
  public record Mode(
      Output output,
      Network network,
      boolean detach,
      List<String> criuOptions,
      Optional<InetSocketAddress> lazyPages,
      Confinement confinement) {
    public Mode {
      criuOptions = List.copyOf(criuOptions);
    }

    public Mode(
        Output output,
        Network network,
        boolean detach,
        List<String> criuOptions,
        Optional<InetSocketAddress> lazyPages) {
      this(output, network, detach, criuOptions, lazyPages, Confinement.NONE);
    }

    public Mode(Output output, Network network, boolean detach, List<String> criuOptions) {
      this(output, network, detach, criuOptions, Optional.empty());
    }
  }

  /**
   * Restores as above, as {@code mode} says. With {@code mode.detach()} criu leaves once the tree
   * runs, which its caller's subreaper (an OCI runtime's: conmon, a shim) then inherits, and the
   * state records no monitor; otherwise criu stays the tree's parent and monitor.
   */
  public InstanceState restore(
      Instance i, Path images, Root root, CgroupLimits limits, CgroupTuning tuning, Mode mode) {
    Output output = mode.output();
    Network network = mode.network();
    boolean detach = mode.detach();
    Map<String, String> meta = readMeta(i, images);
    boolean hostNetwork = mode.confinement().hostNetwork();
    requireNetwork(i.id(), meta, hostNetwork);
    if (network.own().isPresent() && (root.idMap() != null || !mode.confinement().monitored())) {
      // criu's tree in a user namespace of its own could not join a namespace the host's owns
      throw new JvsException(
          i.id() + ": a network namespace of jvs's making needs a monitored restore as host root");
    }
    Criu criu = Criu.find(i.id());
    Path gate = images.resolve(PLUMBING_GATE);
    Path pidfile = images.resolve(PIDFILE);
    try {
      for (String step : List.of("", PRE_RESTORE, PLUMBED)) {
        Files.deleteIfExists(images.resolve(PLUMBING_GATE + step));
      }
      Files.deleteIfExists(pidfile);
      Files.deleteIfExists(images.resolve(RESTORE_LOG)); // a last restore's says it resumed
      // the masks' binds in the images name it: after a reboot, or on a host that never started
      // a guest, it is not there yet
      MaskDirectory.ensure();
      if (atPreRestore(mode)) {
        Files.writeString(gate, plumbingScript());
        Files.setPosixFilePermissions(gate, PosixFilePermissions.fromString("rwx------"));
      }
      Files.createDirectories(i.stateDir());
    } catch (IOException e) {
      throw new UncheckedIOException(i.id() + ": " + e.getMessage(), e);
    }
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "restore",
            "-D",
            images.toString(),
            "-o",
            images.resolve(RESTORE_LOG).toString(),
            "-v4",
            "--root",
            root.mountPoint().toString(),
            "--ext-mount-map",
            "auto",
            "--manage-cgroups=ignore", // criu is placed in the instance's cgroup: its tree too
            "--pidfile",
            pidfile.toString()));
    if (atPreRestore(mode)) {
      args.addAll(List.of("--action-script", gate.toString()));
    }
    // In the host's stack a dump refuses an established connection; one the guest was closing
    // (FIN_WAIT, CLOSE_WAIT…) may be in the images, and comes back closed.
    args.add(hostNetwork ? "--tcp-close" : "--tcp-established");
    InheritedStdio stdio = InheritedStdio.fromProperties(meta);
    args.addAll(
        output.consoleLog().isPresent()
            ? stdio.inheritArguments(0, 1)
            : stdio.inheritArgumentsToTheSameFds());
    args.addAll(network.criuArguments());
    args.addAll(mode.criuOptions());
    if (mode.lazyPages().isPresent()) {
      args.add("--lazy-pages");
    }
    if (detach) {
      args.add("-d");
    }
    String stdin =
        output.consoleLog().isPresent()
            ? "/dev/null"
            : "/proc/" + ProcessHandle.current().pid() + "/fd/0";
    Trace.mark("criu's arguments");
    try (RestoreRoot userRoot =
        root.idMap() == null ? null : userRoot(i, root, network, hostNetwork)) {
      CriuLaunches.Launch launch;
      if (network.own().isPresent()) { // monitored, host root: checked above
        launch =
            CriuLaunches.Launch.underMonitor(
                b -> {
                  CriuLaunches.rootOperations(b, root);
                  b.loopbackUp().openFd("/proc/self/ns/net", EXTERNAL_NETWORK_FD);
                },
                null,
                Namespace.NET.flag());
      } else if (mode.confinement().monitored()) {
        // the monitor joins the helper's namespace, where the root is, or its child mounts it
        launch =
            userRoot == null
                ? CriuLaunches.Launch.underMonitor(b -> CriuLaunches.rootOperations(b, root), null)
                : CriuLaunches.Launch.underMonitor(b -> {}, userRoot.mountNamespace());
      } else {
        launch =
            CriuLaunches.Launch.startedHere(
                userRoot == null
                    ? List.of(
                        "unshare",
                        "-m",
                        "--propagation",
                        "private",
                        "sh",
                        "-c",
                        RESTORE_SHELL,
                        "jvs-criu-restore",
                        stdin,
                        root.overlayOptions(),
                        root.mountPoint().toString(),
                        root.disk() == null ? "" : root.disk(),
                        root.diskMount() == null ? "" : root.diskMount().toString())
                    : List.of(
                        "nsenter",
                        "--mount=" + userRoot.mountNamespace(),
                        "sh",
                        "-c",
                        ENTERED_SHELL,
                        "jvs-criu-restore",
                        stdin));
      }
      return restore(i, images, limits, tuning, mode, meta, criu, args, launch);
    }
  }

  /**
   * The root of a tree that ran in its own user namespace, mounted in a helper's namespaces for as
   * long as criu may take; on failure the front-end's network goes, as after a failed restore. A
   * tree in the host's network stack had the host's sysfs bound: the helper's is a clone of it
   * alone, which criu can bind as it is (the host's mounts below /sys are locked to it there).
   */
  private RestoreRoot userRoot(Instance i, Root root, Network network, boolean hostSysfs) {
    try {
      return RestoreRoot.mount(
          instances,
          i,
          root.idmappedOverlay(),
          root.idMap(),
          hostSysfs,
          Criu.TIMEOUT.multipliedBy(2));
    } catch (RuntimeException e) {
      instances.cleanup(i, network.teardown());
      throw e;
    }
  }

  /**
   * The restore proper, criu started as {@code launch} says. The cgroup is made while criu's
   * monitor starts and clones criu's process, which is placed in it before its go-ahead.
   */
  private InstanceState restore(
      Instance i,
      Path images,
      CgroupLimits limits,
      CgroupTuning tuning,
      Mode mode,
      Map<String, String> meta,
      Criu criu,
      List<String> args,
      CriuLaunches.Launch launch) {
    Network network = mode.network();
    boolean detach = mode.detach();
    boolean monitored = mode.confinement().monitored();
    Path pidfile = images.resolve(PIDFILE);
    Path log = images.resolve(RESTORE_LOG);
    CriuLogTail resumed = new CriuLogTail(log, RESUMED_LINE);
    LazyPages pages = null;
    if (mode.lazyPages().isPresent()) { // it starts while the cgroup is made: both take ~0.1 s
      pages = LazyPages.launch(criu, i.id(), images, mode.lazyPages().get());
      Trace.mark("lazy-pages daemon spawned");
    }
    CompletableFuture<Cgroup> made = instances.cgroupWithSoon(i, limits, tuning);
    CriuLaunches.Restoring restoring = null;
    try {
      restoring =
          monitored
              ? launches.startMonitored(i, mode, criu, args, launch, made, pages)
              : launches.startHere(
                  i, images, mode, criu, launch.launcher(), args, CriuLaunches.joined(made), pages);
      Cgroup cgroup = CriuLaunches.joined(made);
      Criu.Running running = restoring.criu();
      if (atPreRestore(mode)) {
        Path reached = images.resolve(PLUMBING_GATE + PRE_RESTORE);
        if (!criu.await(i.id(), "restore", running, log, () -> Files.exists(reached))) {
          throw Criu.failure(i.id(), "restore", running.exitValue(), log);
        }
        network.inCgroup().prepare(cgroup.bpfDir());
        Files.createFile(images.resolve(PLUMBING_GATE + PLUMBED));
        Trace.mark("network in the cgroup");
      }
      if (detach) { // criu leaves once the tree runs: its status says how the restore went
        criu.await(i.id(), "restore", running, log, () -> false);
        if (running.exitValue() != 0 || !resumed.reached()) {
          throw Criu.failure(i.id(), "restore", running.exitValue(), log);
        }
      } else if (!criu.await(i.id(), "restore", running, log, resumed::reached)) {
        throw Criu.failure(i.id(), "restore", running.exitValue(), log);
      }
      Trace.mark(RESUMED);
      long init = Long.parseLong(Files.readString(pidfile).strip());
      InstanceState state =
          new InstanceState(
              i.id(),
              detach ? 0 : restoring.monitorPid(),
              detach ? 0 : startTime(restoring.monitorPid()),
              init,
              startTime(init),
              System.currentTimeMillis(),
              i.cgroupParent(),
              i.cgroupName(),
              Long.parseLong(meta.getOrDefault("namespaces", "0")),
              labels(meta));
      StateFile.write(i.stateDir(), state);
      Trace.mark("state written");
      if (pages != null) {
        pages.keep();
      }
      restoring.release();
      return state;
    } catch (IOException | RuntimeException e) {
      if (restoring != null) {
        restoring.abort();
      }
      if (pages != null) {
        pages.close();
      }
      try {
        made.join(); // made, or failed: the cleanup below must find what there is
      } catch (CompletionException | CancellationException ignored) {
        // its failure is e, or follows from it
      }
      instances.cleanup(i, network.teardown());
      if (e instanceof JvsException j) {
        throw j;
      }
      throw new JvsException(i.id() + ": restore: " + e.getMessage(), e);
    }
  }

  /**
   * Whether criu stops at pre-restore (probes done, no process of the tree forked) until jvs says
   * go on: for the front-end's work in the cgroup.
   */
  private static boolean atPreRestore(Mode mode) {
    return mode.network().inCgroup() != InCgroup.NONE;
  }

  /**
   * When criu froze (seized) the tree of the dump in {@code images}, as {@link System#nanoTime()}:
   * {@code notBefore}, taken before that dump's criu was spawned, where its log does not say.
   */
  public static long frozenAt(Path images, long notBefore) {
    return Criu.seizedAt(images.resolve(DUMP_LOG), notBefore);
  }

  /**
   * Refuses in one line a restore of the checkpoint in {@code images} into a network other than the
   * one its processes ran in: the host's stack ({@code hostNetwork}) or one of their own.
   */
  public static void requireNetwork(String who, Path images, boolean hostNetwork) {
    requireNetwork(who, readMeta(who, images), hostNetwork);
  }

  private static void requireNetwork(String who, Map<String, String> meta, boolean hostNetwork) {
    if (Boolean.parseBoolean(meta.get(HOST_NETWORK)) != hostNetwork) {
      throw new JvsException(
          who
              + ": the checkpoint's processes ran "
              + (hostNetwork
                  ? "in a network namespace of their own"
                  : "in the host's network stack")
              + ", and they would be restored "
              + (hostNetwork ? "in the host's" : "in one of their own")
              + " (net.mode changed since the checkpoint? set it back)");
    }
  }

  /** Whether {@code images} holds a checkpoint jvs made. */
  public static boolean exists(Path images) {
    return Files.isRegularFile(images.resolve(META));
  }

  private static Map<String, String> labels(Map<String, String> meta) {
    Map<String, String> labels = new LinkedHashMap<>();
    meta.forEach(
        (k, v) -> {
          if (k.startsWith("label.")) {
            labels.put(k.substring("label.".length()), v);
          }
        });
    return labels;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static long startTime(long pid) {
    return ProcStat.startTime(pid)
        .orElseThrow(() -> new JvsException("process " + pid + " vanished"));
  }

  /** criu's image directories are flat: their files go, the directory stays. */
  private static void emptyDirectory(Path dir) {
    try {
      Files.createDirectories(dir);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          if (Files.isDirectory(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new JvsException(
                dir + ": holds a directory (" + f.getFileName() + "), not images");
          }
          Files.delete(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
  }

  private static String metaText(Map<String, String> meta) {
    Properties p = new Properties();
    p.putAll(meta);
    StringWriter w = new StringWriter();
    try {
      p.store(w, "jvs checkpoint: what criu's images do not say");
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return w.toString();
  }

  private static Map<String, String> readMeta(Instance i, Path images) {
    return readMeta(i.id(), images);
  }

  private static Map<String, String> readMeta(String who, Path images) {
    Path file = images.resolve(META);
    if (!Files.isRegularFile(file)) {
      throw new JvsException(who + ": no checkpoint in " + images);
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> meta.put(k, p.getProperty(k)));
    return meta;
  }
}
