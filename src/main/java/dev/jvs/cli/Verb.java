package dev.jvs.cli;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.serve.Caller;

/**
 * A jvs command: it learns who called it (directory, environment, stdio; this JVM's own or a
 * service client's) from Main's factory, and takes its runtime from there, never from
 * System.getenv().
 */
abstract class Verb {
  /** Set by {@link Main} when picocli creates the command. */
  Caller caller;

  /** The guests under the caller's JVS_ROOT and JVS_RUN. */
  Guests guests() {
    return caller.runtime().guests(caller.dirs());
  }

  static GuestName name(String value) {
    return GuestName.of(value);
  }
}
