package dev.jvs.serve;

import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Builds only the picocli model a command line needs. picocli makes the model of every subcommand
 * by reflection whenever a command line is constructed: 3 ms for jvs and 6 ms for jvs-oci per call
 * here, paid again by every request the service serves. The verb's own subcommand is enough to run
 * it; help and usage errors get them all, as before.
 */
public final class Subcommands {
  private Subcommands() {}

  /**
   * Adds to {@code cli} the subcommand that {@code verb} names (by name or alias), or all of {@code
   * all} when {@code verb} is null or names none of them (`help`, `--help`, a typo); then gives
   * every command its usage help ({@link UsageHelp}).
   */
  public static void add(
      CommandLine cli, List<Class<?>> all, String verb, CommandLine.IFactory factory)
      throws Exception {
    if (verb != null) {
      for (Class<?> c : all) {
        Command a = c.getAnnotation(Command.class);
        if (a != null
            && c != CommandLine.HelpCommand.class
            && (a.name().equals(verb) || Arrays.asList(a.aliases()).contains(verb))) {
          cli.addSubcommand(new CommandLine(factory.create(c), factory));
          UsageHelp.apply(cli);
          return;
        }
      }
    }
    for (Class<?> c : all) {
      cli.addSubcommand(new CommandLine(factory.create(c), factory));
    }
    UsageHelp.apply(cli);
  }
}
