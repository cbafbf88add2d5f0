package dev.jvs.cli;

import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.JvsDirs;
import dev.jvs.sched.Lxcfs;
import dev.jvs.serve.JvsService;
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
    JvsDirs dirs = caller.dirs();
    Lxcfs lxcfs = new Lxcfs(dirs.run());
    if (!caller.viaService() && lxcfs.present() && noGuestRuns() && !JvsService.answers(dirs)) {
      // lxcfs outlives a stopped service for the guests that bound its files; with none left
      lxcfs.stop();
      out.println("removed lxcfs at " + lxcfs.mountPoint() + " (no service, no guest running)");
    }
    out.flush();
    return 0;
  }

  private boolean noGuestRuns() {
    return guests().list().stream().noneMatch(s -> s.state() == GuestStatus.State.RUNNING);
  }
}
