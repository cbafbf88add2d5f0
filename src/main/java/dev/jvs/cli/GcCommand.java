package dev.jvs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "gc", description = "Remove what killed or crashed jvs processes left behind.")
final class GcCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    for (String line : guests().gc()) {
      out.println("removed " + line);
    }
    out.flush();
    return 0;
  }
}
