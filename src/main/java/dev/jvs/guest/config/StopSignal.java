package dev.jvs.guest.config;

import dev.jvs.kernel.Signal;

/** stop.signal: a signal the guest's init can act on by shutting down. */
final class StopSignal {
  private StopSignal() {}

  /** Parses like {@link Signal#parse} and refuses signals that cannot ask a guest to stop. */
  static int parse(String value) {
    int signal = Signal.parse(value);
    String name = Signal.name(signal);
    switch (signal) {
      // jvs stop escalates to SIGKILL itself; as the stop signal it would skip the clean stop.
      case Signal.SIGKILL ->
          throw new IllegalArgumentException(
              name
                  + " is what jvs stop sends"
                  + " after stop.timeout, not a stop signal (use one the guest's init shuts down on;"
                  + " default SIGTERM)");
      // Cannot be caught: it would freeze init until stop.timeout ran out.
      case Signal.SIGSTOP ->
          throw new IllegalArgumentException(
              name
                  + " cannot be caught and"
                  + " only suspends the guest's init, so it cannot stop the guest (default SIGTERM)");
      // Job control: an init that catches these pauses or resumes (busybox init: TSTP, CONT).
      case Signal.SIGTSTP, Signal.SIGTTIN, Signal.SIGTTOU, Signal.SIGCONT ->
          throw new IllegalArgumentException(
              name
                  + " suspends or resumes processes rather than"
                  + " ending them, so it cannot stop the guest (default SIGTERM)");
      default -> {
        return signal;
      }
    }
  }
}
