package dev.jvs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "delete",
    aliases = "rm",
    description = "Delete a stopped guest and its private files.")
final class DeleteCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Option(
      names = {"-f", "--force"},
      description = "stop it first if it runs")
  boolean force;

  @Override
  public Integer call() {
    guests().delete(name(name), force);
    return 0;
  }
}
