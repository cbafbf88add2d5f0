package dev.jvs.kernel;

import dev.jvs.base.JvsException;

/** A failed system call: which call, on which object, and the kernel's errno. */
public final class KernelException extends JvsException {
  private final String call;
  private final String object;
  private final int errno;

  public KernelException(String call, String object, int errno) {
    super(call + " " + object + ": " + Libc.strerror(errno));
    this.call = call;
    this.object = object;
    this.errno = errno;
  }

  public String call() {
    return call;
  }

  public String object() {
    return object;
  }

  public int errno() {
    return errno;
  }
}
