package dev.jvs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "clone",
    description = "Copy a stopped guest: same template, a copy of its private files.")
final class CloneCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "source guest")
  String source;

  @Parameters(index = "1", description = "new guest")
  String target;

  @Override
  public Integer call() {
    guests().clone(name(source), name(target));
    return 0;
  }
}
