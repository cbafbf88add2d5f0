package dev.jvs.runtime;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to launch, whichever front-end asked: a jvs guest (guest.conf) and an OCI container
 * (config.json) are each translated into a Plan, and {@link PlanProgram} turns every Plan into the
 * one launch program jvs-init runs. So /dev, mounts, masks, namespaces and the restricted process
 * exist once (docs/architecture.md).
 *
 * @param namespaces the namespaces to create and to join
 * @param root where the root filesystem comes from and how / is propagated
 * @param mounts the mounts inside the root, in order, at container paths
 * @param devices device nodes and links made inside the root after the mounts
 * @param masked paths hidden under an empty read-only tmpfs (directories) or /dev/null (files)
 * @param readonly paths bound read-only onto themselves
 * @param sysctls namespaced sysctls, by dotted name
 * @param hostname the UTS hostname, or null
 * @param domainname the UTS domain name, or null
 * @param hooks the container's createContainer and startContainer hooks (in its namespaces)
 * @param process the first process
 * @param io how the first process's stdio and session relate to the caller
 * @param supervision what the monitor does once the first process runs
 * @param landlockScopes Landlock IPC scopes the monitor and all it forks are confined to (0: none)
 * @param loopback bring up lo in the new network namespace (runc leaves that to the caller)
 */
public record Plan(
    Namespaces namespaces,
    Root root,
    List<Mount> mounts,
    Devices devices,
    List<Mask> masked,
    List<String> readonly,
    Map<String, String> sysctls,
    String hostname,
    String domainname,
    Hooks hooks,
    ProcessSpec process,
    Io io,
    Supervision supervision,
    long landlockScopes,
    boolean loopback) {

  public Plan {
    mounts = List.copyOf(mounts);
    masked = List.copyOf(masked);
    readonly = List.copyOf(readonly);
    sysctls = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sysctls));
  }

  /** Namespaces created by clone (and unshare, for the cgroup one) or joined by path. */
  public record Namespaces(
      Set<Namespace> create, Map<Namespace, String> join, String uidMap, String gidMap) {
    public Namespaces {
      create = create.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(create));
      join = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(join));
    }

    public boolean creates(Namespace n) {
      return create.contains(n);
    }

    public boolean has(Namespace n) {
      return create.contains(n) || join.containsKey(n);
    }
  }

  /**
   * The root filesystem. {@code propagation} is set on the caller's tree (/) before anything is
   * mounted, {@code propagationAfterPivot} on the new / after pivot_root (0: none).
   */
  public sealed interface Root {
    Path mountPoint();

    long propagation();

    long propagationAfterPivot();

    /** chroot instead of pivot_root (OCI --no-pivot, or no mount namespace of its own). */
    boolean chroot();

    /** Remount / read-only after pivot_root. */
    boolean readonly();
  }

  /**
   * A template below a private copy-on-write layer, mounted at {@code mountPoint} inside the new
   * mount namespace; {@code disk} is the block device of the layer's own filesystem (mounted at
   * {@code diskMount} first), or null. {@code idmapped}: the template is seen through the new user
   * namespace's mapping (its root-owned files belong to the guest's root), with nothing chowned.
   */
  public record Overlay(
      Path lower,
      Path upper,
      Path work,
      Path mountPoint,
      String disk,
      Path diskMount,
      boolean idmapped)
      implements Root {
    public Overlay(
        Path lower, Path upper, Path work, Path mountPoint, String disk, Path diskMount) {
      this(lower, upper, work, mountPoint, disk, diskMount, false);
    }

    @Override
    public long propagation() {
      return MountFlags.REC | MountFlags.PRIVATE;
    }

    @Override
    public long propagationAfterPivot() {
      return 0;
    }

    @Override
    public boolean chroot() {
      return false;
    }

    @Override
    public boolean readonly() {
      return false;
    }
  }

  /** A directory bound onto itself as the root (an OCI bundle's rootfs). */
  public record Bind(
      Path mountPoint,
      long propagation,
      long propagationAfterPivot,
      boolean chroot,
      boolean readonly)
      implements Root {}

  /**
   * What a mount's target is: made as a directory (mode 0755, or 01777 for a sticky one such as
   * /dev/shm) or an empty file when missing, or neither.
   */
  public enum Target {
    DIRECTORY,
    STICKY_DIRECTORY,
    FILE,
    EXISTING
  }

  /**
   * Where a bind's source lies: a host path the child binds, a container path (resolved inside the
   * root, as the target is), or a host path whose mount alone (none below it) the monitor clones
   * and hands to the child, which in a user namespace of its own could only bind it with all the
   * host's mounts below, locked to it.
   */
  public enum Source {
    HOST,
    ROOT,
    MONITOR_CLONE
  }

  /**
   * One mount at container path {@code target}. A bind's {@code source} is a path as {@code from}
   * says; other types take a name ("proc"). {@code optional}: a target that is not there (a
   * dangling symlink, a /proc file this kernel lacks) is skipped, not an error.
   *
   * @param remount flags a bind is remounted with (mount(2) ignores them on the first call)
   * @param propagation propagation flags set on the mount afterwards (0: none)
   */
  public record Mount(
      String type,
      String source,
      String target,
      long flags,
      String data,
      long remount,
      long propagation,
      Target kind,
      boolean optional,
      Source from) {
    public static Mount of(String type, String source, String target, long flags, String data) {
      return new Mount(
          type, source, target, flags, data, 0, 0, Target.DIRECTORY, false, Source.HOST);
    }

    /** A bind of a host path onto {@code target} of the given kind. */
    public static Mount bind(String source, String target, long flags, Target kind) {
      return new Mount(
          "", source, target, MountFlags.BIND | flags, "", 0, 0, kind, false, Source.HOST);
    }

    /**
     * The mount at host path {@code source} alone, cloned by the monitor, onto {@code target} (a
     * directory): e.g. the host's sysfs for a guest in a user namespace of its own, without the
     * host's cgroup hierarchies and other mounts below /sys.
     */
    public static Mount cloneOf(String source, String target) {
      return new Mount(
          "",
          source,
          target,
          MountFlags.BIND,
          "",
          0,
          0,
          Target.DIRECTORY,
          false,
          Source.MONITOR_CLONE);
    }

    /**
     * A bind of container path {@code source} (resolved inside the root, as the target is) onto
     * {@code target}: a part of a file system the container already has, with mount flags of its
     * own and no superblock of its own.
     */
    public static Mount bindInRoot(String source, String target, Target kind) {
      return new Mount("", source, target, MountFlags.BIND, "", 0, 0, kind, false, Source.ROOT);
    }

    /** The same mount, skipped when its target is not there. */
    public Mount ifPresent() {
      return new Mount(type, source, target, flags, data, remount, propagation, kind, true, from);
    }

    public Mount remountedWith(long remountFlags) {
      return new Mount(
          type, source, target, flags, data, remountFlags, propagation, kind, optional, from);
    }

    public Mount propagated(long propagationFlags) {
      return new Mount(
          type, source, target, flags, data, remount, propagationFlags, kind, optional, from);
    }
  }

  /**
   * Device nodes made inside the root after the mounts, and links. {@code fromHost}: the node is
   * bound from the host's same path instead of made (mknod is refused in a user namespace).
   */
  public record Devices(List<Node> nodes, List<Link> links, boolean fromHost) {
    public static final Devices NONE = new Devices(List.of(), List.of(), false);

    public Devices {
      nodes = List.copyOf(nodes);
      links = List.copyOf(links);
    }
  }

  /** A device node: {@code type} 'c', 'b' or 'p'; {@code mode} its permission bits. */
  public record Node(String path, char type, int major, int minor, int mode) {}

  /** A symlink at container path {@code path} reading {@code target}. */
  public record Link(String target, String path) {}

  /**
   * A masked path: a directory under a read-only bind of an empty directory ({@link
   * MaskDirectory}), a file under /dev/null; either only where the path is there.
   */
  public record Mask(String path, boolean directory) {}

  /** OCI hooks run in the container's namespaces, with the state read from {@code stateFile}. */
  public record Hooks(Path stateFile, List<Hook> createContainer, List<Hook> startContainer) {
    public static final Hooks NONE = new Hooks(null, List.of(), List.of());

    public Hooks {
      createContainer = List.copyOf(createContainer);
      startContainer = List.copyOf(startContainer);
    }

    public boolean any() {
      return !createContainer.isEmpty() || !startContainer.isEmpty();
    }
  }

  /** A hook: {@code argv} with argv[0], {@code env} as NAME=VALUE, 0 = no timeout. */
  public record Hook(
      String what, String path, List<String> argv, List<String> env, long timeoutSeconds) {
    public Hook {
      argv = List.copyOf(argv);
      env = List.copyOf(env);
    }
  }

  /** How the first process's stdio and session relate to the caller. */
  public sealed interface Io {}

  /**
   * Detached: the monitor leaves the caller's session, the process starts one of its own, and its
   * output goes through the monitor to {@code file}, rotated at {@code maxBytes} with {@code files}
   * files kept.
   */
  public record Log(Path file, long maxBytes, int files, PipeOwner owner) implements Io {
    public Log(Path file, long maxBytes, int files) {
      this(file, maxBytes, files, null);
    }
  }

  /** The caller's stdio, relayed through pipes: the process never holds the caller's files. */
  public record Relay(PipeOwner owner) implements Io {
    public Relay() {
      this(null);
    }
  }

  /**
   * The host ids that own the pipes of a {@link Log} or {@link Relay} (null: the monitor's, host
   * root): a process in a user namespace may reopen its stdio (/dev/stdout) only if they are its.
   */
  public record PipeOwner(long uid, long gid) {}

  /** A fresh pseudo-terminal from the guest's devpts, relayed to the caller's stdio. */
  public record Terminal() implements Io {}

  /** A fresh pseudo-terminal whose master is sent to the caller's {@code socket} (OCI). */
  public record ConsoleSocket(Path socket) implements Io {}

  /** The caller's stdio as is, in a session of its own (OCI, as runc). */
  public record Inherit() implements Io {}

  /** What the monitor does once the first process runs. */
  public sealed interface Supervision {}

  /**
   * The monitor stays the process's parent, forwards signals, and writes its end to {@code
   * statusFile} (or null); {@code execSocket} (or null), beside the status file, is where it serves
   * execs; {@code tied}: the process dies with its monitor.
   */
  public record Monitored(Path statusFile, String execSocket, boolean tied)
      implements Supervision {}

  /**
   * The caller supervises the process (an OCI runtime's caller); with {@code waitFifo} the process
   * waits there, just before its root is pivoted, until the caller's start opens it.
   */
  public record Released(Path waitFifo) implements Supervision {}
}
