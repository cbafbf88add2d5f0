package dev.jvs.cli;

import dev.jvs.launch.Launcher;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "exec", description = "Run a command inside a running guest; exits with its code.")
final class ExecCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Parameters(index = "1..*", arity = "1..*", description = "command and arguments")
  List<String> command;

  @Option(names = {"-t", "--tty"}, description = "allocate a pseudo-terminal")
  boolean tty;

  @Override
  public Integer call() {
    return Runtime.guests().exec(Runtime.name(name), command, tty, Launcher.Stdio.inherit(),
        SignalRelay::to);
  }
}
