package dev.jvs.oci.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * runc's {@code restore} as Podman's conmon and containerd's shim run it: {@code --detach}, the
 * restored init then theirs to reap (docs/checkpoint.md).
 */
@Command(name = "restore", description = "Restore a container from a checkpoint through criu.")
final class OciRestoreCommand implements Runnable {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Option(
      names = {"--bundle", "-b"},
      defaultValue = ".",
      description = "bundle directory")
  Path bundle;

  @Option(names = "--image-path", defaultValue = "checkpoint", description = "criu's images")
  Path imagePath;

  @Option(names = "--work-path", description = "accepted: criu's logs stay beside its images")
  Path workPath;

  @Option(names = {"--detach", "-d"})
  boolean detach;

  @Option(names = "--pid-file")
  Path pidFile;

  @Option(names = "--console-socket", description = "refused: no terminal restore yet")
  Path consoleSocket;

  @Option(names = "--tcp-established", description = "accepted: jvs always restores them")
  boolean tcpEstablished;

  @Option(names = "--file-locks", description = "restore file locks")
  boolean fileLocks;

  @Option(names = "--ext-unix-sk", description = "accepted")
  boolean extUnixSk;

  @Option(names = "--shell-job", description = "accepted: the stdio is the caller's")
  boolean shellJob;

  @Option(names = "--no-subreaper", description = "accepted")
  boolean noSubreaper;

  @Option(names = "--no-pivot")
  boolean noPivot;

  @Option(names = "--manage-cgroups-mode", description = "accepted")
  String manageCgroupsMode;

  @Option(names = "--lsm-profile", description = "refused: jvs applies no LSM profile")
  String lsmProfile;

  @Option(names = "--lsm-mount-context", description = "refused: jvs applies no LSM labels")
  String lsmMountContext;

  @Option(names = "--lazy-pages", description = "refused")
  boolean lazyPages;

  @Override
  public void run() {
    if (!detach) {
      throw new IllegalArgumentException(
          "restore: only --detach is supported by jvs (the restored init is the caller's to reap)");
    }
    if (consoleSocket != null) {
      throw new IllegalArgumentException(
          "restore: --console-socket: a container with a terminal cannot be restored by jvs yet");
    }
    if (lsmProfile != null || lsmMountContext != null || lazyPages) {
      throw new IllegalArgumentException(
          "restore: --lsm-profile, --lsm-mount-context and --lazy-pages are not supported by jvs");
    }
    List<String> criu = new ArrayList<>();
    if (fileLocks) {
      criu.add("--file-locks");
    }
    main.containers().restore(id, bundle, imagePath, pidFile, criu);
  }
}
