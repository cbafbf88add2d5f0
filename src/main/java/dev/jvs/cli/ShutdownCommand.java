package dev.jvs.cli;

import dev.jvs.guest.BootSequence;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "shutdown",
    description = {
      "Stop every running guest; autostart guests last, in reverse boot order.",
      "Each within its stop.timeout: guests without boot.autostart first, then the",
      "autostart ones in reverse boot.order. For the",
      "host's shutdown (dist/jvs.service can run it when the service stops)."
    })
final class ShutdownCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return new BootSequence(guests(), new BootReport(spec)).stopAll() == 0 ? 0 : 1;
  }
}
