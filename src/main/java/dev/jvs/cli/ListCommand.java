package dev.jvs.cli;

import dev.jvs.guest.GuestStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "list",
    aliases = "ls",
    description = "List guests: name, state, init pid, uptime, cgroup.")
final class ListCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    out.printf("%-20s %-8s %8s %10s  %s%n", "NAME", "STATE", "PID", "UPTIME", "CGROUP");
    for (GuestStatus s : guests().list()) {
      out.printf(
          "%-20s %-8s %8s %10s  %s%n",
          s.name(),
          s.state(),
          s.initPid() == 0 ? "-" : Long.toString(s.initPid()),
          s.state() == GuestStatus.State.RUNNING ? Format.duration(s.uptime()) : "-",
          s.cgroup().isEmpty() ? "-" : s.cgroup());
    }
    out.flush();
    return 0;
  }
}
