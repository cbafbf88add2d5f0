package dev.jvs.cli;

import dev.jvs.guest.BootSequence;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "autostart",
    description = {
      "Start the guests with boot.autostart=true that are not running, in boot.order",
      "(lower first), waiting each one's boot.delay before the next. `jvs serve` does this",
      "on its first start after a boot. A guest that fails is reported; the others start."
    })
final class AutostartCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    int failed =
        new BootSequence(
                guests(),
                line -> {
                  PrintWriter to = line.startsWith("autostart: started ") ? out : err;
                  to.println(line.startsWith("autostart: started ") ? line : "jvs: " + line);
                  to.flush();
                })
            .startAll();
    return failed == 0 ? 0 : 1;
  }
}
