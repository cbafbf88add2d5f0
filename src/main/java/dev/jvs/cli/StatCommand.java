package dev.jvs.cli;

import dev.jvs.view.GuestStat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "stat", description = "Running guests with their accounting (vserver-stat).")
final class StatCommand extends Verb implements Callable<Integer> {
  static final String FORMAT = "%-16s %7s %5s %7s %7s %10s %10s %9s%n";

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    out.printf(FORMAT, "NAME", "CTX", "PROC", "VSZ", "RSS", "userTIME", "sysTIME", "UPTIME");
    for (GuestStat s : Views.create(this).stats()) {
      out.printf(
          FORMAT,
          s.name(),
          s.ctx(),
          s.processes(),
          Views.size(s.vszBytes()),
          Views.size(s.rssBytes()),
          Views.cpuTime(s.userNanos()),
          Views.cpuTime(s.systemNanos()),
          Format.duration(s.uptime()));
    }
    out.flush();
    return 0;
  }
}
