package dev.jvs.oci.serve;

import java.io.PrintWriter;

/** The jvs-oci command line run in-process for one request (OciMain's entry point). */
@FunctionalInterface
public interface Verbs {
  /** Runs {@code args} for {@code caller}, printing to {@code out} and {@code err}; the status. */
  int run(Caller caller, PrintWriter out, PrintWriter err, String... args);
}
