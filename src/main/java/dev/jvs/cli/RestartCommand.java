package dev.jvs.cli;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restart", description = "Stop a system guest if it runs, then start it.")
final class RestartCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Option(
      names = {"-t", "--timeout"},
      description = "as for stop")
  String timeout;

  @Override
  public Integer call() {
    Guests guests = guests();
    GuestName guest = name(name);
    if (guests.status(guest).state() == GuestStatus.State.RUNNING) {
      guests.stop(guest, StopCommand.timeout(guests, guest, timeout));
    }
    return guests.start(guest, List.of(), Guests.Attach.DETACHED);
  }
}
