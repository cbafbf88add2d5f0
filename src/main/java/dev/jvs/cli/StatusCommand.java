package dev.jvs.cli;

import dev.jvs.guest.GuestStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    description = "Show a guest's state, init pid, uptime, cgroup, limits and usage.")
final class StatusCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "guest name")
  String name;

  /** The uid_map line of an unprivileged guest, or what stands in for it. */
  private String ids() {
    if (guests().config(name(name)).privileged()) {
      return "privileged (guest root is host root; security.privileged=true)";
    }
    return guests()
        .idRange(name(name))
        .map(r -> r + " (guest id 0 is host id " + r.base() + ", for users and groups)")
        .orElse("unprivileged, a range is given at the next start");
  }

  @Override
  public Integer call() {
    GuestStatus s = guests().status(name(name));
    var out = spec.commandLine().getOut();
    out.printf("name:     %s%n", s.name());
    out.printf("state:    %s%n", s.state());
    if (s.state() == GuestStatus.State.RUNNING) {
      out.printf("init pid: %d%n", s.initPid());
      out.printf("uptime:   %s%n", Format.duration(s.uptime()));
      out.printf("cgroup:   %s%n", s.cgroup());
    }
    if (s.lastExit() != null) {
      out.printf("last run: %s%n", s.lastExit());
    }
    out.printf("ids:      %s%n", ids());
    out.printf("limits:   %s%n", s.resources().isEmpty() ? "none" : "");
    s.resources().forEach((k, v) -> out.printf("  %-16s %s%n", k, v));
    if (s.usage() != null) {
      var u = s.usage();
      out.printf(
          "usage:    cpu %s, memory %s (peak %s), %d processes, %d OOM kills%n",
          Format.duration(java.time.Duration.ofNanos(u.cpuNanos())),
          Format.bytes(u.memoryBytes()),
          Format.bytes(u.memoryPeakBytes()),
          u.pids(),
          u.oomKills());
    }
    guests()
        .diskUsage(name(name))
        .ifPresent(
            d ->
                out.printf(
                    "disk:     %s used of %s%n", Format.bytes(d.used()), Format.bytes(d.size())));
    out.flush();
    return s.state() == GuestStatus.State.RUNNING ? 0 : 3; // like `systemctl status`
  }
}
