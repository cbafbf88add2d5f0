package dev.jvs.cli;

import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "restore",
    description = "Restore a stopped guest from its last checkpoint (docs/checkpoint.md).")
final class RestoreCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Option(
      names = "--from",
      paramLabel = "FILE",
      description = "restore from FILE, a tar written by jvs checkpoint -o")
  String from;

  @Override
  public Integer call() {
    guests().restore(name(name), Optional.ofNullable(from).map(f -> caller.path(f)));
    return 0;
  }
}
