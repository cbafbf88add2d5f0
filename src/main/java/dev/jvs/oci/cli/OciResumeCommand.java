package dev.jvs.oci.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "resume", description = "Thaw a paused container.")
final class OciResumeCommand implements Runnable {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public void run() {
    main.containers().pause(id, false);
  }
}
