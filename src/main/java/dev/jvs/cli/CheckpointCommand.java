package dev.jvs.cli;

import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "checkpoint",
    description =
        "Checkpoint a running guest through criu into $JVS_ROOT/guests/NAME/checkpoint"
            + " (docs/checkpoint.md); it stops unless --leave-running.")
final class CheckpointCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Option(names = "--leave-running", description = "keep the guest running after the dump")
  boolean leaveRunning;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "also write the checkpoint to FILE, a tar (.tar.zst: zstd-compressed)")
  String output;

  @Override
  public Integer call() {
    guests()
        .checkpoint(name(name), leaveRunning, Optional.ofNullable(output).map(o -> caller.path(o)));
    return 0;
  }
}
