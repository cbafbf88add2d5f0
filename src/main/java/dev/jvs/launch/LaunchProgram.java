package dev.jvs.launch;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A launch program: plain values only (namespaces, mounts, capabilities, seccomp bytes, ids,
 * argv/env), never a guest's config type, so native guests and OCI containers share one launch
 * path. Built with {@link Builder}; executed by jvs-init (docs/launch-program.md).
 */
public record LaunchProgram(List<Op> ops) {
  public LaunchProgram {
    ops = List.copyOf(ops);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Fluent builder; each method appends one operation in order. */
  public static final class Builder {
    private final List<Op> ops = new ArrayList<>();

    private Builder add(String name, String description, String... fields) {
      ops.add(new Op(name, List.of(fields), false, description));
      return this;
    }

    private Builder addOptional(String name, String description, String... fields) {
      ops.add(new Op(name, List.of(fields), true, description));
      return this;
    }

    private static String num(long v) {
      return Long.toString(v);
    }

    private static String hex(long v) {
      return "0x" + Long.toHexString(v);
    }

    /** A path as the guest sees it: a relative one lies inside the root. */
    private static String shown(String path) {
      return path.startsWith("/") ? path : path.equals(".") ? "/" : "/" + path;
    }

    public Builder statusFile(String path) {
      return add("status-file", "write status file " + path, path);
    }

    public Builder detach() {
      return add("detach", "detach from the terminal session");
    }

    public Builder pty() {
      return add("pty", "allocate a pseudo-terminal");
    }

    /**
     * The child's stdin, stdout and stderr become pipes the monitor relays to its own, so the child
     * never holds the caller's files (which it could reopen through /proc).
     */
    public Builder stdioPipes() {
      return add("stdio-pipes", "relay stdio through pipes");
    }

    /**
     * The pipes of {@link #log} and {@link #stdioPipes} belong to host {@code uid}:{@code gid}
     * rather than to the monitor, so that a child in a user namespace can reopen them.
     */
    public Builder pipeOwner(long uid, long gid) {
      return add("pipe-owner", "give the stdio pipes to " + uid + ":" + gid, num(uid), num(gid));
    }

    public Builder uidMap(String map) {
      return add("uid-map", "write uid_map", map);
    }

    public Builder gidMap(String map) {
      return add("gid-map", "write gid_map", map);
    }

    /**
     * The monitor clones the mount tree at host {@code path}, idmapped through the child's user
     * namespace, for the child's next {@link #attachTree}.
     */
    public Builder idmapTree(String path) {
      // EINVAL here mostly means a file system without idmapped mounts (tmpfs before Linux 6.3)
      return add(
          "idmap-tree",
          "idmap "
              + path
              + " for the unprivileged guest (needs idmapped mounts there; or"
              + " security.privileged=true)",
          path);
    }

    /**
     * The monitor mounts the filesystem of {@code type} on block device {@code device} (only host
     * root may), detached and idmapped through the child's user namespace, for the child's next
     * {@link #attachTree}.
     */
    public Builder diskTree(String device, String type) {
      return add("disk-tree", "mount " + device + " for the guest", device, type);
    }

    /**
     * The monitor clones the mount at host {@code path} alone (none below it), for the child's next
     * {@link #attachTree}: in the child's user namespace the host's mounts below it would be locked
     * to it, and only a recursive bind could take it.
     */
    public Builder bindTree(String path) {
      return add("bind-tree", "clone the mount at " + path + " for the guest", path);
    }

    /**
     * Mounts the next tree of an {@link #idmapTree}, {@link #diskTree} or {@link #bindTree} on
     * {@code target}.
     */
    public Builder attachTree(String target) {
      return add("attach-tree", "attach the monitor's tree on " + shown(target), target);
    }

    public Builder join(long pid, long nsFlags) {
      return add("join", "join the namespaces of pid " + pid, num(pid), hex(nsFlags));
    }

    /** Joins one namespace by the path of its nsfs file (OCI namespaces given by path). */
    public Builder setns(String path, long nsType) {
      return add("setns", "join namespace " + path, path, hex(nsType));
    }

    /** The monitor exits once the child waits or has exec'd (the caller supervises it). */
    public Builder release() {
      return add("release", "release the child to its caller");
    }

    /** With {@link #pty()}: send the master to the Unix socket PATH instead of relaying it. */
    public Builder consoleSocket(String path) {
      return add("console-socket", "send the terminal to " + path, path);
    }

    /**
     * Rotates the child's stdout and stderr through the monitor into {@code path}: at most {@code
     * maxBytes} per file (0: unbounded), {@code files} files kept in all.
     */
    public Builder log(String path, long maxBytes, int files) {
      return add("log", "open the log " + path, path, num(maxBytes), num(files));
    }

    public Builder clone(long nsFlags) {
      return add("clone", "create the guest's namespaces", hex(nsFlags));
    }

    /**
     * Opens {@code path} as the root in which every later relative path resolves, never leaving it
     * (docs/launch-program.md, "Paths inside the root").
     */
    public Builder root(String path) {
      return add("root", "open the root " + path, path);
    }

    /** Brings the loopback interface of the child's (new) network namespace up. */
    public Builder loopbackUp() {
      return add("loopback-up", "bring lo up");
    }

    /** {@code path} open read-only as fd {@code fd} of the program it execs. */
    public Builder openFd(String path, int fd) {
      return add("open-fd", "open " + shown(path) + " as fd " + fd, path, Integer.toString(fd));
    }

    public Builder unshare(long nsFlags) {
      return add("unshare", "unshare namespaces " + hex(nsFlags), hex(nsFlags));
    }

    public Builder mount(String source, String target, String fstype, long flags, String data) {
      String what = fstype.isEmpty() ? "bind " + shown(source) : fstype;
      return add(
          "mount",
          "mount " + what + " on " + shown(target),
          source,
          target,
          fstype,
          hex(flags),
          data);
    }

    /** A mount whose target may be missing (masked paths on kernels without them). */
    public Builder mountIfPresent(
        String source, String target, String fstype, long flags, String data) {
      String what = fstype.isEmpty() ? "bind " + shown(source) : fstype;
      return addOptional(
          "mount",
          "mount " + what + " on " + shown(target),
          source,
          target,
          fstype,
          hex(flags),
          data);
    }

    public Builder umount(String target, long flags) {
      return add("umount", "unmount " + shown(target), target, hex(flags));
    }

    public Builder mkdir(String path, int mode) {
      return add("mkdir", "mkdir " + shown(path), path, "0" + Integer.toOctalString(mode));
    }

    public Builder mknod(String path, int mode, int major, int minor) {
      return add(
          "mknod",
          "mknod " + shown(path),
          path,
          "0" + Integer.toOctalString(mode),
          num(major),
          num(minor));
    }

    public Builder symlink(String target, String linkPath) {
      return add("symlink", "symlink " + shown(linkPath) + " -> " + target, target, linkPath);
    }

    public Builder touch(String path, int mode) {
      return add("touch", "create " + shown(path), path, "0" + Integer.toOctalString(mode));
    }

    public Builder write(String path, String data) {
      return add("write", "write " + shown(path), path, data);
    }

    public Builder pivotRoot(String newRoot) {
      return add("pivot-root", "pivot_root to " + shown(newRoot), newRoot);
    }

    public Builder chroot(String path) {
      return add("chroot", "chroot to " + shown(path), path);
    }

    public Builder chdir(String path) {
      return add("chdir", "chdir to " + shown(path), path);
    }

    public Builder sethostname(String name) {
      return add("sethostname", "set hostname " + name, name);
    }

    public Builder setdomainname(String name) {
      return add("setdomainname", "set domain name " + name, name);
    }

    public Builder rlimit(int resource, long soft, long hard) {
      return add(
          "rlimit",
          "set rlimit " + resource,
          num(resource),
          Long.toUnsignedString(soft),
          Long.toUnsignedString(hard));
    }

    public Builder setsid() {
      return add("setsid", "start a new session");
    }

    public Builder pdeathsig(int signal) {
      return add("pdeathsig", "set the parent-death signal", num(signal));
    }

    public Builder noNewPrivs() {
      return add("no-new-privs", "set no_new_privs");
    }

    public Builder keepCaps() {
      return add("keep-caps", "keep capabilities across setuid");
    }

    public Builder capBounding(long mask) {
      return add("cap-bounding", "drop capabilities from the bounding set", hex(mask));
    }

    public Builder capset(long effective, long permitted, long inheritable) {
      return add("capset", "set capabilities", hex(effective), hex(permitted), hex(inheritable));
    }

    public Builder capAmbient(long mask) {
      return add("cap-ambient", "raise ambient capabilities", hex(mask));
    }

    public Builder setgroups(List<Long> groups) {
      String list = groups.stream().map(String::valueOf).collect(Collectors.joining(","));
      return add("setgroups", "set supplementary groups", list);
    }

    public Builder setgid(long gid) {
      return add("setgid", "set gid " + gid, num(gid));
    }

    public Builder setuid(long uid) {
      return add("setuid", "set uid " + uid, num(uid));
    }

    public Builder umask(int mask) {
      return add("umask", "set umask", "0" + Integer.toOctalString(mask));
    }

    /**
     * The monitor, and so the child and every exec it serves, enter a Landlock domain confining
     * only the IPC {@code scopes} (e.g. abstract unix sockets).
     */
    public Builder landlockScope(long scopes) {
      return add("landlock-scope", "confine IPC to the guest (Landlock)", hex(scopes));
    }

    /**
     * The monitor serves exec requests on the socket {@code name} beside its status file (after
     * {@link #statusFile}): see {@link ExecRequest}.
     */
    public Builder execSocket(String name) {
      return add("exec-socket", "listen for exec requests on " + name, name);
    }

    public Builder seccomp(long flags, byte[] filter) {
      return add(
          "seccomp", "install the seccomp filter", hex(flags), HexFormat.of().formatHex(filter));
    }

    /** Blocks until a reader opens the FIFO at {@code path} (OCI create, then start). */
    public Builder waitFifo(String path) {
      return add("wait-fifo", "wait for start on " + path, path);
    }

    /**
     * Reads the file at {@code path} now (while reachable); later {@code hook}s get it on stdin.
     */
    public Builder hookState(String path) {
      return add("hook-state", "read the hook state " + path, path);
    }

    /**
     * Runs {@code path} with {@code argv} (argv[0] included) and {@code env} (NAME=VALUE) in the
     * child's namespaces, the hook state on stdin, and waits: a non-zero exit fails with ECANCELED,
     * a hook running longer than {@code timeoutSeconds} (0: no limit) is killed (ETIMEDOUT).
     */
    public Builder hook(
        String what, String path, List<String> argv, List<String> env, long timeoutSeconds) {
      for (String a : argv) {
        add("arg", "argument", a);
      }
      for (String e : env) {
        add("env", "set hook environment", e);
      }
      return add("hook", what + " (" + path + ")", path, num(timeoutSeconds));
    }

    public Builder env(Map<String, String> env) {
      env.forEach((k, v) -> add("env", "set environment " + k, k + "=" + v));
      return this;
    }

    public Builder exec(List<String> argv) {
      for (String a : argv) {
        add("arg", "argument", a);
      }
      return add("exec", "exec " + argv.getFirst(), argv.getFirst());
    }

    public LaunchProgram build() {
      return new LaunchProgram(ops);
    }
  }
}
