package dev.jvs.oci.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "state", description = "Print a container's state (runtime-spec JSON).")
final class OciStateCommand implements Runnable {
  @ParentCommand OciMain main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public void run() {
    Json.print(spec, main.containers().state(id));
  }
}
