package dev.jvs.cli;

import dev.jvs.base.JvsException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The jvs command line: parses, calls the runtime, prints. One class per verb. */
@Command(
    name = "jvs",
    mixinStandardHelpOptions = true,
    version = "jvs 0.1.0",
    description = "Container-based operating-system virtualization (Linux-VServer in Java).",
    subcommands = {
      BuildCommand.class,
      StartCommand.class,
      StopCommand.class,
      RestartCommand.class,
      ExecCommand.class,
      EnterCommand.class,
      ListCommand.class,
      StatusCommand.class,
      SetCommand.class,
      DeleteCommand.class,
      GcCommand.class,
      TemplateCommand.class,
      CloneCommand.class,
      UnifyCommand.class,
      OciCommand.class,
      ServeCommand.class,
      StatCommand.class,
      PsCommand.class,
      TopCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit status (tests call this in-process). */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** As {@link #run(String...)}, printing to the given writers. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    addHelp(cli);
    cli.setParameterExceptionHandler(new ParameterErrors());
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          PrintWriter stderr = cmd.getErr();
          if (e instanceof JvsException || e instanceof UncheckedIOException
              || e instanceof IllegalArgumentException) {
            stderr.println(ErrorLine.of("jvs: " + e.getMessage()));
          } else {
            stderr.println("jvs: internal error: " + e);
            e.printStackTrace(stderr);
          }
          stderr.flush();
          return 1;
        });
    return cli.execute(args);
  }

  /**
   * Gives every command -h/--help (the standard mixin covers jvs itself only), except one that
   * passes unknown arguments on: `jvs oci --help` is the OCI front-end's own help.
   */
  private static void addHelp(CommandLine cmd) {
    CommandSpec spec = cmd.getCommandSpec();
    if (spec.findOption("-h") == null && spec.findOption("--help") == null
        && spec.unmatchedArgsBindings().isEmpty()) {
      spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
          .description("Show this help message and exit.").build());
    }
    cmd.getSubcommands().values().forEach(Main::addHelp);
  }
}
