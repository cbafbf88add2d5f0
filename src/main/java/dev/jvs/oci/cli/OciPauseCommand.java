package dev.jvs.oci.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "pause", description = "Freeze every process of a container.")
final class OciPauseCommand implements Runnable {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public void run() {
    main.containers().pause(id, true);
  }
}
