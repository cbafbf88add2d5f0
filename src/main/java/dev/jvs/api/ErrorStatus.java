package dev.jvs.api;

import dev.jvs.base.JvsException;
import dev.jvs.guest.config.ConfigException;

/**
 * The HTTP status of a runtime error, from the one line the runtime already gives the CLI (the same
 * text becomes {"error": …}): no second set of error messages.
 */
final class ErrorStatus {
  private ErrorStatus() {}

  static int of(JvsException e) {
    String m = String.valueOf(e.getMessage());
    if (e instanceof ConfigException || m.startsWith("invalid guest name")) {
      return 400;
    }
    if (m.endsWith(": no such guest") || m.contains("no such template")) {
      return 404;
    }
    if (m.contains("already exists")
        || m.contains("already running")
        || m.contains("not running")
        || m.contains("is running")
        || m.contains("in use by")) {
      return 409;
    }
    return 400;
  }

  /** One line, as the CLI's errors are: a line break from user input is shown escaped. */
  static String line(String message) {
    return String.valueOf(message).replace("\r", "\\r").replace("\n", "\\n");
  }
}
