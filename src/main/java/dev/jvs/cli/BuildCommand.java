package dev.jvs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "build",
    description = "Create a guest from a template (default: the built-in busybox).")
final class BuildCommand extends Verb implements Callable<Integer> {
  @Parameters(index = "0", description = "guest name")
  String name;

  @Option(
      names = {"--from", "--template"},
      defaultValue = "busybox",
      description = "template")
  String template;

  @Override
  public Integer call() {
    guests().build(name(name), template);
    return 0;
  }
}
