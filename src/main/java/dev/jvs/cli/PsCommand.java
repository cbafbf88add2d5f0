package dev.jvs.cli;

import dev.jvs.view.GuestProcess;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "ps", description = "Processes of all running guests, with their guest (vps).")
final class PsCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    String format = "%-16s %7s %7s %1s %7s %9s  %s%n";
    out.printf(format, "GUEST", "PID", "GPID", "S", "RSS", "TIME", "COMMAND");
    for (GuestProcess p : Views.create(this).processes()) {
      out.printf(
          format,
          p.guest(),
          p.pid(),
          p.guestPid(),
          p.state(),
          Views.size(p.rssBytes()),
          Views.cpuTime(p.cpuTicks() * 10_000_000L),
          p.command());
    }
    out.flush();
    return 0;
  }
}
