package dev.jvs.serve;

/**
 * The service will not run this call: the client runs it in a JVM of its own instead, as if no
 * service were there (a verb that is a process of its own, like `serve` or `bench`, or a caller
 * whose JVS_ROOT is not the service's). Thrown before anything was written to the caller.
 */
public final class Fallback extends RuntimeException {
  public Fallback(String reason) {
    super(reason, null, false, false);
  }
}
