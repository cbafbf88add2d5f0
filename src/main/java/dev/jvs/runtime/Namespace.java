package dev.jvs.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/** The namespaces a guest or container can have, with their clone(2)/setns(2) flags. */
public enum Namespace {
  USER(0x10000000L, "user"), // first: it grants the rights to create or join the others
  MOUNT(0x00020000L, "mnt"),
  CGROUP(0x02000000L, "cgroup"),
  UTS(0x04000000L, "uts"),
  IPC(0x08000000L, "ipc"),
  PID(0x20000000L, "pid"),
  NET(0x40000000L, "net");

  private final long flag;
  private final String procName;

  Namespace(long flag, String procName) {
    this.flag = flag;
    this.procName = procName;
  }

  /**
   * Whether process {@code pid} is in this process's namespace of this kind: its /proc/PID/ns file
   * names the same one. An IOException: the process is gone.
   */
  public boolean isOurs(long pid) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", procName))
        .equals(Files.readSymbolicLink(Path.of("/proc/self/ns", procName)));
  }

  /** The inode of process {@code pid}'s namespace of this kind (how criu names a namespace). */
  public long inode(long pid) throws IOException {
    return (Long)
        Files.getAttribute(Path.of("/proc", Long.toString(pid), "ns", procName), "unix:ino");
  }

  public long flag() {
    return flag;
  }

  public static long flags(Collection<Namespace> namespaces) {
    long f = 0;
    for (Namespace n : namespaces) {
      f |= n.flag;
    }
    return f;
  }
}
