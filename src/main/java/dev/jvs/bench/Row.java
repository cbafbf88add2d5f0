package dev.jvs.bench;

/** One line of the start-up table: a measured contender, or one that could not run here. */
public sealed interface Row permits Row.Measured, Row.Skipped {

  /** Which operation a row times; ratios compare rows with runc's row of the same group. */
  enum Group {
    /** Create a container or guest, run /bin/true in it, tear it down. */
    START,
    /** Run /bin/true inside an already running container or guest. */
    EXEC,
    /** List the guests or containers, many of them running. */
    LIST
  }

  Group group();

  String label();

  /**
   * @param reference whether this is runc's row, the denominator of its group's ratios
   */
  record Measured(Group group, String label, boolean reference, Latency latency) implements Row {}

  /** A contender that is missing or refuses this host, with the reason (one line). */
  record Skipped(Group group, String label, String reason) implements Row {}
}
