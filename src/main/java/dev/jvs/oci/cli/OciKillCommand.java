package dev.jvs.oci.cli;

import dev.jvs.kernel.Signal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "kill", description = "Send a signal (default SIGTERM) to a container's init.")
final class OciKillCommand implements Runnable {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Parameters(index = "1", paramLabel = "SIGNAL", defaultValue = "SIGTERM")
  String signal;

  @Option(
      names = {"--all", "-a"},
      description = "signal every process in the container's cgroup")
  boolean all;

  @Override
  public void run() {
    main.containers().kill(id, Signal.parse(signal), all);
  }
}
