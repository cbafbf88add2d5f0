package dev.jvs.cgroup;

import dev.jvs.kernel.Libc;

/** An owned file descriptor, for try-with-resources. */
public record Fd(int value) implements AutoCloseable {
  /** open(2), throwing KernelException naming the path. */
  public static Fd open(String path, int flags) {
    return new Fd((int) Libc.open(path, flags | Libc.O_CLOEXEC, 0).orThrow("open", path));
  }

  @Override
  public void close() {
    Libc.close(value);
  }
}
