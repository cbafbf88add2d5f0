package dev.jvs.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "exec", description = "Run a command inside a running guest; exits with its code.")
final class ExecCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Parameters(index = "1..*", arity = "1..*", description = "command and arguments")
  List<String> command;

  @Option(
      names = {"-t", "--tty"},
      description = "allocate a pseudo-terminal")
  boolean tty;

  @Override
  public Integer call() {
    return guests()
        .exec(
            name(name),
            command,
            tty,
            caller.env().getOrDefault("TERM", "xterm"),
            caller.stdio(),
            caller::execStarted);
  }
}
