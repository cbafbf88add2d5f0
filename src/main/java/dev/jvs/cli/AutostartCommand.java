package dev.jvs.cli;

import dev.jvs.guest.BootSequence;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "autostart",
    description = {
      "Start the guests marked boot.autostart=true, in boot order.",
      "Guests already running are left; lower boot.order first, waiting each one's",
      "boot.delay before the next. `jvs serve` does this",
      "on its first start after a boot. A guest that fails is reported; the others start."
    })
final class AutostartCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    return new BootSequence(guests(), new BootReport(spec)).startAll() == 0 ? 0 : 1;
  }
}
