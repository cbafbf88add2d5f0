package dev.jvs.launch;

/** clone(2)/setns(2) namespace flags. */
public final class Ns {
  public static final long MOUNT = 0x00020000L;
  public static final long CGROUP = 0x02000000L;
  public static final long UTS = 0x04000000L;
  public static final long IPC = 0x08000000L;
  public static final long USER = 0x10000000L;
  public static final long PID = 0x20000000L;
  public static final long NET = 0x40000000L;

  private Ns() {}
}
