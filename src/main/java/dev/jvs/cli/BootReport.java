package dev.jvs.cli;

import dev.jvs.guest.BootSequence;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A boot sequence's lines on the terminal: progress on stdout, failures as `jvs: ...` on stderr.
 */
final class BootReport implements BootSequence.Report {
  private final PrintWriter out;
  private final PrintWriter err;

  BootReport(CommandSpec spec) {
    this.out = spec.commandLine().getOut();
    this.err = spec.commandLine().getErr();
  }

  @Override
  public void progress(String line) {
    out.println(line);
    out.flush();
  }

  @Override
  public void failure(String line) {
    err.println("jvs: " + line);
    err.flush();
  }
}
