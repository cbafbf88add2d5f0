package dev.jvs.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Another process's resource limit, read and changed through prlimit64(2). */
public final class ProcessRlimit {
  private static final long SYS_PRLIMIT64 = 302;

  /** RLIM_INFINITY as Java sees it: unlimited. */
  public static final long UNLIMITED = -1;

  private ProcessRlimit() {}

  /** A process's soft and hard limit (-1: unlimited). */
  private record Limit(long soft, long hard) {}

  /**
   * Sets process {@code pid}'s soft limit of {@code resource} to {@code soft}, kept at most its
   * hard limit (raising that would need CAP_SYS_RESOURCE); -1 sets it to the hard limit. Returns
   * whether it changed; a process that is gone changes nothing.
   */
  public static boolean setSoft(long pid, int resource, long soft) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment old = arena.allocate(16, 8);
      Libc.Result got = Libc.syscall(SYS_PRLIMIT64, pid, resource, 0, old.address());
      if (got.errno() == Errno.ESRCH) {
        return false;
      }
      got.orThrow("prlimit", "pid " + pid);
      Limit now = new Limit(old.get(ValueLayout.JAVA_LONG, 0), old.get(ValueLayout.JAVA_LONG, 8));
      long wanted = soft == UNLIMITED ? now.hard() : clamp(soft, now.hard());
      if (wanted == now.soft()) {
        return false;
      }
      MemorySegment set = arena.allocate(16, 8);
      set.set(ValueLayout.JAVA_LONG, 0, wanted);
      set.set(ValueLayout.JAVA_LONG, 8, now.hard());
      Libc.Result r = Libc.syscall(SYS_PRLIMIT64, pid, resource, set.address(), 0);
      if (r.errno() == Errno.ESRCH) {
        return false;
      }
      r.orThrow("prlimit", "pid " + pid);
      return true;
    }
  }

  /** {@code soft} kept at most {@code hard}, where -1 is unlimited (above every number). */
  public static long clamp(long soft, long hard) {
    return hard == UNLIMITED ? soft : Math.min(soft, hard);
  }
}
