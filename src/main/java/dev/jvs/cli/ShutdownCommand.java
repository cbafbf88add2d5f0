package dev.jvs.cli;

import dev.jvs.guest.BootSequence;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "shutdown",
    description = {
      "Stop every running guest, each within its stop.timeout: guests without",
      "boot.autostart first, then the autostart ones in reverse boot.order. For the",
      "host's shutdown (dist/jvs.service can run it when the service stops)."
    })
final class ShutdownCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    int failed =
        new BootSequence(
                guests(),
                line -> {
                  boolean fine =
                      line.startsWith("shutdown: stopped ") || line.endsWith("meanwhile");
                  PrintWriter to = fine ? out : err;
                  to.println(fine ? line : "jvs: " + line);
                  to.flush();
                })
            .stopAll();
    return failed == 0 ? 0 : 1;
  }
}
