package dev.jvs.cli;

/** Keeps an error to the one line promised: a line break from user input is shown escaped. */
final class ErrorLine {
  private ErrorLine() {}

  static String of(String message) {
    return String.valueOf(message).replace("\r", "\\r").replace("\n", "\\n");
  }
}
