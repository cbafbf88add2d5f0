package dev.jvs.kernel;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Linux capabilities with their kernel numbers (linux/capability.h). */
public enum Capability {
  CHOWN(0),
  DAC_OVERRIDE(1),
  DAC_READ_SEARCH(2),
  FOWNER(3),
  FSETID(4),
  KILL(5),
  SETGID(6),
  SETUID(7),
  SETPCAP(8),
  LINUX_IMMUTABLE(9),
  NET_BIND_SERVICE(10),
  NET_BROADCAST(11),
  NET_ADMIN(12),
  NET_RAW(13),
  IPC_LOCK(14),
  IPC_OWNER(15),
  SYS_MODULE(16),
  SYS_RAWIO(17),
  SYS_CHROOT(18),
  SYS_PTRACE(19),
  SYS_PACCT(20),
  SYS_ADMIN(21),
  SYS_BOOT(22),
  SYS_NICE(23),
  SYS_RESOURCE(24),
  SYS_TIME(25),
  SYS_TTY_CONFIG(26),
  MKNOD(27),
  LEASE(28),
  AUDIT_WRITE(29),
  AUDIT_CONTROL(30),
  SETFCAP(31),
  MAC_OVERRIDE(32),
  MAC_ADMIN(33),
  SYSLOG(34),
  WAKE_ALARM(35),
  BLOCK_SUSPEND(36),
  AUDIT_READ(37),
  PERFMON(38),
  BPF(39),
  CHECKPOINT_RESTORE(40);

  private final int number;

  Capability(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }

  /**
   * jvs's default bounding set: Docker's default capability set without NET_RAW (so no raw or
   * packet sockets, no ping spoofing).
   */
  public static Set<Capability> guestDefault() {
    return EnumSet.of(
        CHOWN,
        DAC_OVERRIDE,
        FSETID,
        FOWNER,
        MKNOD,
        SETGID,
        SETUID,
        SETFCAP,
        SETPCAP,
        NET_BIND_SERVICE,
        SYS_CHROOT,
        KILL,
        AUDIT_WRITE);
  }

  /** Parses "NET_ADMIN", "CAP_NET_ADMIN" or "net_admin". */
  public static Capability parse(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT);
    try {
      return valueOf(t.startsWith("CAP_") ? t.substring(4) : t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown capability '" + text + "'");
    }
  }

  public static long mask(Collection<Capability> caps) {
    long mask = 0;
    for (Capability c : caps) {
      mask |= 1L << c.number;
    }
    return mask;
  }

  /** Capabilities this host can grant at all (root here lacks e.g. SYS_RESOURCE). */
  public static long hostBoundingMask() {
    return boundingMaskOf("self");
  }

  /** The capability bounding set of process {@code pid}, as {@link #mask} makes one. */
  public static long boundingMaskOf(long pid) {
    return boundingMaskOf(Long.toString(pid));
  }

  private static long boundingMaskOf(String proc) {
    try {
      for (String line :
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", proc, "status"))) {
        if (line.startsWith("CapBnd:")) {
          return Long.parseUnsignedLong(line.substring(7).trim(), 16);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return -1L;
  }
}
