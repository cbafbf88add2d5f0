package dev.jvs.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "enter",
    description = "Interactive login shell on a fresh pty inside a running guest.")
final class EnterCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Override
  public Integer call() {
    return guests()
        .exec(
            name(name),
            List.of("/bin/sh", "-l"),
            true,
            caller.env().getOrDefault("TERM", "xterm"),
            caller.stdio(),
            caller::execStarted);
  }
}
