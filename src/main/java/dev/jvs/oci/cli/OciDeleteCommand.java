package dev.jvs.oci.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "delete", description = "Remove a stopped (or, with --force, any) container.")
final class OciDeleteCommand implements Runnable {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Option(names = {"--force", "-f"})
  boolean force;

  @Override
  public void run() {
    main.containers().delete(id, force);
  }
}
