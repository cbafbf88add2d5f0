package dev.jvs.oci.cli;

import dev.jvs.oci.Containers;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "create", description = "Create a container; its process waits for start.")
final class OciCreateCommand implements Runnable {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Option(
      names = {"--bundle", "-b"},
      defaultValue = ".",
      description = "bundle directory")
  Path bundle;

  @Option(names = "--pid-file")
  Path pidFile;

  @Option(names = "--console-socket")
  Path consoleSocket;

  @Option(names = "--no-pivot")
  boolean noPivot;

  @Option(names = "--no-new-keyring", description = "accepted: jvs never creates a session keyring")
  boolean noNewKeyring;

  @Option(names = "--preserve-fds")
  int preserveFds;

  @Override
  public void run() {
    if (preserveFds != 0) {
      throw new IllegalArgumentException("--preserve-fds is not supported by jvs");
    }
    main.containers()
        .create(id, bundle, new Containers.CreateOptions(pidFile, consoleSocket, noPivot));
  }
}
