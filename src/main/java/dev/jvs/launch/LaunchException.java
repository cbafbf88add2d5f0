package dev.jvs.launch;

import dev.jvs.kernel.Libc;

/** A launch that failed: either an operation (with its errno) or the protocol itself. */
public final class LaunchException extends Exception {
  private final int errno;
  private final Op op;

  public LaunchException(String message) {
    super(message);
    this.errno = 0;
    this.op = null;
  }

  LaunchException(Op op, int errno) {
    super(op.description() + ": " + Libc.strerror(errno));
    this.errno = errno;
    this.op = op;
  }

  /** The operation that failed, or null when the failure was not an operation's. */
  public Op op() {
    return op;
  }

  /** The errno of the failed operation, or 0 when the failure was not an operation's. */
  public int errno() {
    return errno;
  }
}
