package dev.jvs.runtime;

import dev.jvs.launch.LaunchException;
import java.util.List;

/**
 * A launch that failed, as the front-ends see it: the message names the failed operation and the
 * kernel's reason ("mount proc on /proc: Too many levels of symbolic links"), and the operation's
 * name, fields and errno are there for a front-end that words its own hint or runc's message.
 */
public final class LaunchFailure extends Exception {
  private final String operation;
  private final List<String> fields;
  private final int errno;

  LaunchFailure(LaunchException cause) {
    super(cause.getMessage(), cause);
    this.operation = cause.op() == null ? null : cause.op().name();
    this.fields = cause.op() == null ? List.of() : cause.op().fields();
    this.errno = cause.errno();
  }

  /**
   * The failed operation's name in the launch program ("mkdir", "mount"; docs/launch-program.md),
   * or null when the failure was not an operation's (the monitor or the protocol).
   */
  public String operation() {
    return operation;
  }

  /** The failed operation's fields (its paths, for one), empty without an operation. */
  public List<String> fields() {
    return fields;
  }

  /** The failed operation's errno, or 0 when the failure was not an operation's. */
  public int errno() {
    return errno;
  }
}
