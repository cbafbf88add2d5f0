package dev.jvs.bench;

/**
 * Something timed from request to exit: a fresh process or an in-process API call.
 *
 * @param reference whether this is runc, the denominator of its group's ratios
 */
record Contender(Row.Group group, String label, boolean reference, Trial trial) {

  /** One run; returns once the workload has exited, throws if it failed. */
  @FunctionalInterface
  interface Trial {
    void run() throws Exception;
  }
}
