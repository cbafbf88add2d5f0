package dev.jvs.kernel;

/**
 * What this kernel's Landlock offers. jvs uses only its IPC scopes (Landlock ABI 6, Linux 6.12): a
 * guest sharing the host's network namespace must not reach the host's abstract unix sockets.
 */
public final class Landlock {
  private static final long SYS_LANDLOCK_CREATE_RULESET = 444;
  private static final long LANDLOCK_CREATE_RULESET_VERSION = 1;

  /** LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET. */
  public static final long SCOPE_ABSTRACT_UNIX_SOCKET = 1;

  private static final int ABI = probe();

  private Landlock() {}

  /** The kernel's Landlock ABI version, 0 without Landlock (or with it disabled). */
  public static int abi() {
    return ABI;
  }

  /** Whether abstract unix sockets can be confined to a Landlock domain. */
  public static boolean scopesAbstractSockets() {
    return ABI >= 6;
  }

  private static int probe() {
    Libc.Result r =
        Libc.syscall(SYS_LANDLOCK_CREATE_RULESET, 0, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return r.failed() ? 0 : (int) r.value();
  }
}
