package dev.jvs.oci.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * runc's {@code checkpoint} with the flags Podman and containerd pass (docs/checkpoint.md); the
 * ones criu cannot honour here are refused by name rather than ignored.
 */
@Command(name = "checkpoint", description = "Checkpoint a running container through criu.")
final class OciCheckpointCommand implements Runnable {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Option(names = "--image-path", defaultValue = "checkpoint", description = "criu's images")
  Path imagePath;

  @Option(names = "--work-path", description = "accepted: criu's logs stay beside its images")
  Path workPath;

  @Option(names = "--leave-running", description = "keep the container running after the dump")
  boolean leaveRunning;

  @Option(names = "--tcp-established", description = "accepted: jvs always dumps them")
  boolean tcpEstablished;

  @Option(names = "--file-locks", description = "dump file locks")
  boolean fileLocks;

  @Option(names = "--ext-unix-sk", description = "accepted: external unix sockets")
  boolean extUnixSk;

  @Option(names = "--shell-job", description = "accepted: the stdio is dumped as external")
  boolean shellJob;

  @Option(
      names = "--manage-cgroups-mode",
      description = "accepted: jvs restores into a fresh cgroup with the container's limits")
  String manageCgroupsMode;

  @Option(names = "--pre-dump", description = "refused: no dirty-memory tracking")
  boolean preDump;

  @Option(names = "--parent-path", description = "refused: no pre-dumps")
  String parentPath;

  @Option(names = "--lazy-pages", description = "refused")
  boolean lazyPages;

  @Option(names = "--page-server", description = "refused")
  String pageServer;

  @Override
  public void run() {
    if (preDump || parentPath != null) {
      throw new IllegalArgumentException(
          "checkpoint: --pre-dump and --parent-path are not supported by jvs (criu's iterative"
              + " dumps need soft-dirty memory tracking; docs/checkpoint.md)");
    }
    if (lazyPages || pageServer != null) {
      throw new IllegalArgumentException(
          "checkpoint: --lazy-pages and --page-server are not supported by jvs-oci");
    }
    List<String> criu = new ArrayList<>();
    if (fileLocks) {
      criu.add("--file-locks");
    }
    main.containers().checkpoint(id, imagePath, leaveRunning, criu);
  }
}
