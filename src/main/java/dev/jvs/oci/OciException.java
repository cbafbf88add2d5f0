package dev.jvs.oci;

import dev.jvs.base.JvsException;

/** An error an OCI caller sees: one line, worded like runc's where callers match on it. */
public final class OciException extends JvsException {
  public OciException(String message) {
    super(message);
  }

  public OciException(String message, Throwable cause) {
    super(message, cause);
  }
}
