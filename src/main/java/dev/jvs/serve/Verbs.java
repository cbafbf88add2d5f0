package dev.jvs.serve;

/** A front-end's command line run in-process for one caller (Main.run, OciMain.run). */
@FunctionalInterface
public interface Verbs {
  /** Runs {@code args} for {@code caller}, writing to its stdout and stderr; the exit status. */
  int run(Caller caller, String... args);
}
