package dev.jvs.base;

/**
 * An error for the user: its message is one line naming the guest, file or field concerned.
 * Front-ends print the message and exit non-zero; nothing below them prints.
 */
public class JvsException extends RuntimeException {
  public JvsException(String message) {
    super(message);
  }

  public JvsException(String message, Throwable cause) {
    super(message, cause);
  }
}
