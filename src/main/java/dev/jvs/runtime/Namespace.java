package dev.jvs.runtime;

import java.util.Collection;

/** The namespaces a guest or container can have, with their clone(2)/setns(2) flags. */
public enum Namespace {
  USER(0x10000000L), // first: it grants the rights to create or join the others
  MOUNT(0x00020000L),
  CGROUP(0x02000000L),
  UTS(0x04000000L),
  IPC(0x08000000L),
  PID(0x20000000L),
  NET(0x40000000L);

  private final long flag;

  Namespace(long flag) {
    this.flag = flag;
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
