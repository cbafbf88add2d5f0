package dev.jvs.cli;

import dev.jvs.guest.Guests;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "start",
    description = {
      "Start a guest.",
      "Without a command: a system guest running its init until stopped.",
      "With `-- COMMAND…`: an application guest; jvs waits and exits with its code (unless -d)."
    })
final class StartCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Parameters(index = "1..*", description = "command of an application guest")
  List<String> command = new ArrayList<>();

  @Option(
      names = {"-d", "--detach"},
      description = "do not wait for an application guest")
  boolean detach;

  @Override
  public Integer call() {
    Guests.Attach attach =
        command.isEmpty() || detach ? Guests.Attach.DETACHED : Guests.Attach.FOREGROUND;
    return guests().start(name(name), command, attach, caller.stdio());
  }
}
