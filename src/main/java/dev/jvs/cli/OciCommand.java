package dev.jvs.cli;

import dev.jvs.oci.cli.OciMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code jvs oci …}: the runc-compatible front-end, the same as the jvs-oci executable. */
@Command(name = "oci", description = "OCI runtime (runc-compatible): jvs oci --help.")
final class OciCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() {
    return OciMain.run(
        caller,
        spec.commandLine().getOut(),
        spec.commandLine().getErr(),
        args.toArray(String[]::new));
  }
}
