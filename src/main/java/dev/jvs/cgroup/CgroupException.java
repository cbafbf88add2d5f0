package dev.jvs.cgroup;

import dev.jvs.base.JvsException;
import dev.jvs.kernel.Libc;

/**
 * A cgroup operation failed. The message names the control file and the value, e.g. {@code
 * memory.limit_in_bytes: cannot set 12: Device or resource busy}; {@link #errno()} is 0 when the
 * failure did not come from a system call.
 */
public final class CgroupException extends JvsException {
  private final String file;
  private final int errno;

  public CgroupException(String message) {
    this(message, "", 0);
  }

  CgroupException(String message, String file, int errno) {
    super(message);
    this.file = file;
    this.errno = errno;
  }

  /** A failed write of {@code value} into control file {@code file}. */
  static CgroupException cannotSet(String file, String value, int errno) {
    return new CgroupException(
        file + ": cannot set " + value + ": " + Libc.strerror(errno), file, errno);
  }

  /** The control file (or directory) concerned, "" when none. */
  public String file() {
    return file;
  }

  public int errno() {
    return errno;
  }
}
