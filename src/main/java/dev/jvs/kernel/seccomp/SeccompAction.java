package dev.jvs.kernel.seccomp;

/**
 * What a filter does with a system call: the OCI {@code SCMP_ACT_*} actions jvs supports. TRACE and
 * NOTIFY need a tracer or a listener that jvs does not provide.
 */
public sealed interface SeccompAction {
  SeccompAction ALLOW = new Allow();
  SeccompAction LOG = new Log();
  SeccompAction TRAP = new Trap();
  SeccompAction KILL_THREAD = new KillThread();
  SeccompAction KILL_PROCESS = new KillProcess();

  /** EPERM, the OCI default for SCMP_ACT_ERRNO without errnoRet. */
  int DEFAULT_ERRNO = 1;

  /** The SECCOMP_RET_* value the filter returns. */
  int returnValue();

  /**
   * Rank when several actions could apply: the kernel's own order among stacked filters (kill
   * before trap before errno before log before allow). Higher wins.
   */
  int precedence();

  static SeccompAction errno(int errno) {
    return new Errno(errno);
  }

  /** Maps an OCI action name; {@code errnoRet} is used by SCMP_ACT_ERRNO only (null = EPERM). */
  static SeccompAction fromOci(String action, Integer errnoRet) {
    return switch (action) {
      case "SCMP_ACT_ALLOW" -> ALLOW;
      case "SCMP_ACT_LOG" -> LOG;
      case "SCMP_ACT_TRAP" -> TRAP;
      case "SCMP_ACT_ERRNO" -> errno(errnoRet == null ? DEFAULT_ERRNO : errnoRet);
      // libseccomp's SCMP_ACT_KILL has always meant the thread.
      case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> KILL_THREAD;
      case "SCMP_ACT_KILL_PROCESS" -> KILL_PROCESS;
      default -> throw new IllegalArgumentException("unsupported seccomp action: " + action);
    };
  }

  record Allow() implements SeccompAction {
    @Override
    public int returnValue() {
      return 0x7fff0000;
    }

    @Override
    public int precedence() {
      return 0;
    }
  }

  record Log() implements SeccompAction {
    @Override
    public int returnValue() {
      return 0x7ffc0000;
    }

    @Override
    public int precedence() {
      return 1;
    }
  }

  /** The call fails with {@code errno} without running; 0 makes it "succeed" doing nothing. */
  record Errno(int errno) implements SeccompAction {
    /** MAX_ERRNO: the kernel clamps larger values. */
    public static final int MAX = 4095;

    public Errno {
      if (errno < 0 || errno > MAX) {
        throw new IllegalArgumentException("errno " + errno + " outside 0.." + MAX);
      }
    }

    @Override
    public int returnValue() {
      return 0x00050000 | errno;
    }

    @Override
    public int precedence() {
      return 2;
    }
  }

  /** SIGSYS is delivered to the calling thread. */
  record Trap() implements SeccompAction {
    @Override
    public int returnValue() {
      return 0x00030000;
    }

    @Override
    public int precedence() {
      return 3;
    }
  }

  record KillThread() implements SeccompAction {
    @Override
    public int returnValue() {
      return 0x00000000;
    }

    @Override
    public int precedence() {
      return 4;
    }
  }

  record KillProcess() implements SeccompAction {
    @Override
    public int returnValue() {
      return 0x80000000;
    }

    @Override
    public int precedence() {
      return 5;
    }
  }
}
