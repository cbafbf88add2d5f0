package dev.jvs.oci;

import dev.jvs.runtime.MountFlags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An OCI mount's {@code options} split into mount(2) flags, propagation flags and the data string
 * the filesystem gets (what mount(8) calls fs-specific options).
 */
record MountOptions(long flags, long clearedFlags, long propagation, boolean bind, String data) {
  private static final long SHARED = MountFlags.SHARED;
  private static final long UNBINDABLE = MountFlags.UNBINDABLE;
  private static final long SYNCHRONOUS = 16;
  private static final long MANDLOCK = 64;
  private static final long DIRSYNC = 128;
  private static final long NOATIME = 1024;
  private static final long NODIRATIME = 2048;

  private static final Map<String, Long> SET =
      Map.ofEntries(
          Map.entry("ro", MountFlags.RDONLY),
          Map.entry("nosuid", MountFlags.NOSUID),
          Map.entry("nodev", MountFlags.NODEV),
          Map.entry("noexec", MountFlags.NOEXEC),
          Map.entry("sync", SYNCHRONOUS),
          Map.entry("dirsync", DIRSYNC),
          Map.entry("mand", MANDLOCK),
          Map.entry("noatime", NOATIME),
          Map.entry("nodiratime", NODIRATIME),
          Map.entry("relatime", MountFlags.RELATIME),
          Map.entry("strictatime", MountFlags.STRICTATIME),
          Map.entry("remount", MountFlags.REMOUNT));
  private static final Map<String, Long> CLEAR =
      Map.ofEntries(
          Map.entry("rw", MountFlags.RDONLY),
          Map.entry("suid", MountFlags.NOSUID),
          Map.entry("dev", MountFlags.NODEV),
          Map.entry("exec", MountFlags.NOEXEC),
          Map.entry("async", SYNCHRONOUS),
          Map.entry("nomand", MANDLOCK),
          Map.entry("atime", NOATIME),
          Map.entry("diratime", NODIRATIME),
          Map.entry("norelatime", MountFlags.RELATIME),
          Map.entry("nostrictatime", MountFlags.STRICTATIME),
          Map.entry("defaults", 0L));
  private static final Map<String, Long> PROPAGATION =
      Map.ofEntries(
          Map.entry("private", MountFlags.PRIVATE),
          Map.entry("rprivate", MountFlags.PRIVATE | MountFlags.REC),
          Map.entry("shared", SHARED),
          Map.entry("rshared", SHARED | MountFlags.REC),
          Map.entry("slave", MountFlags.SLAVE),
          Map.entry("rslave", MountFlags.SLAVE | MountFlags.REC),
          Map.entry("unbindable", UNBINDABLE),
          Map.entry("runbindable", UNBINDABLE | MountFlags.REC));

  static MountOptions parse(List<String> options) {
    long flags = 0;
    long cleared = 0;
    long propagation = 0;
    boolean bind = false;
    List<String> data = new ArrayList<>();
    for (String o : options == null ? List.<String>of() : options) {
      if (SET.containsKey(o)) {
        flags |= SET.get(o);
        cleared &= ~SET.get(o);
      } else if (CLEAR.containsKey(o)) {
        flags &= ~CLEAR.get(o);
        cleared |= CLEAR.get(o);
      } else if (PROPAGATION.containsKey(o)) {
        propagation |= PROPAGATION.get(o);
      } else if (o.equals("bind")) {
        bind = true;
      } else if (o.equals("rbind")) {
        bind = true;
        flags |= MountFlags.REC;
      } else if (o.equals("tmpcopyup")
          || o.equals("idmap")
          || o.equals("ridmap")
          || o.startsWith("r") && SET.containsKey(o.substring(1)) && !o.equals("relatime")) {
        throw new OciException("mount option '" + o + "' is not supported by jvs");
      } else {
        data.add(o);
      }
    }
    return new MountOptions(flags, cleared, propagation, bind, String.join(",", data));
  }

  /** Flags a bind mount must be remounted with (mount(2) ignores them on the first call). */
  long remountFlags() {
    return flags & ~(MountFlags.REC | MountFlags.REMOUNT);
  }

  /**
   * The propagation of the tree before pivot_root: the one asked for, except that pivot_root
   * refuses a shared root (EINVAL) and an unbindable rootfs cannot be bind-mounted onto itself, so
   * shared and unbindable start as rslave and are set on the new root after the pivot.
   */
  static long rootPropagationBeforePivot(String value) {
    long p = rootPropagation(value);
    return (p & (SHARED | UNBINDABLE)) != 0 ? MountFlags.SLAVE | MountFlags.REC : p;
  }

  /** What to set on / after pivot_root; 0 when the tree already has it. */
  static long rootPropagationAfterPivot(String value) {
    long p = rootPropagation(value);
    return (p & (SHARED | UNBINDABLE)) != 0 ? p : 0;
  }

  /** Propagation flags mapped from OCI's rootfsPropagation ("" = rslave, as runc). */
  static long rootPropagation(String value) {
    if (value == null || value.isEmpty()) {
      return MountFlags.SLAVE | MountFlags.REC;
    }
    Long p = PROPAGATION.get(value);
    if (p == null) {
      throw new OciException("invalid rootfsPropagation '" + value + "'");
    }
    return p | MountFlags.REC;
  }
}
