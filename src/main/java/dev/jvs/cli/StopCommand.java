package dev.jvs.cli;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.guest.config.Values;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "stop",
    description = "Stop a guest: its stop signal, then SIGKILL after the timeout.")
final class StopCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Option(
      names = {"-t", "--timeout"},
      description = "seconds (or 500ms, 2m) before SIGKILL; default: the guest's stop.timeout")
  String timeout;

  @Override
  public Integer call() {
    Guests guests = guests();
    GuestName guest = name(name);
    guests.stop(guest, timeout(guests, guest, timeout));
    return 0;
  }

  static Duration timeout(Guests guests, GuestName guest, String option) {
    if (option == null) {
      return guests.stopTimeout(guest);
    }
    try {
      return Values.duration(option);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--timeout: " + e.getMessage());
    }
  }
}
