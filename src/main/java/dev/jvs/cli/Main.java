package dev.jvs.cli;

import dev.jvs.base.JvsException;
import dev.jvs.serve.Caller;
import dev.jvs.serve.Fallback;
import dev.jvs.serve.Subcommands;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** The jvs command line: parses, calls the runtime, prints. One class per verb. */
@Command(
    name = "jvs",
    mixinStandardHelpOptions = true,
    version = "jvs 0.1.0",
    // the subcommands are VERBS, added per call: only the one a command line names is built
    description = "Container-based operating-system virtualization (Linux-VServer in Java).")
public final class Main implements Runnable {
  /** The verbs, in the order `jvs --help` lists them. */
  private static final List<Class<?>> VERBS =
      List.of(
          BuildCommand.class,
          StartCommand.class,
          StopCommand.class,
          RestartCommand.class,
          CheckpointCommand.class,
          RestoreCommand.class,
          MigrateCommand.class,
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
          TrustCommand.class,
          EventsCommand.class,
          AutostartCommand.class,
          ShutdownCommand.class,
          StatCommand.class,
          PsCommand.class,
          TopCommand.class,
          BenchCommand.class,
          CommandLine.HelpCommand.class);

  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI for this process and returns its exit status (tests call this in-process). */
  public static int run(String... args) {
    return run(Caller.self(), args);
  }

  /**
   * Runs one command line for {@code caller}: this process, or a client of the jvs service. Never
   * exits the JVM (the service runs many).
   *
   * @throws Fallback for a verb that runs only in a JVM of its own (serve, bench), asked of the
   *     service: its client then runs it so
   */
  public static int run(Caller caller, String... args) {
    return caller.printing((out, err) -> run(caller, out, err, args));
  }

  /** As {@link #run(String...)}, printing to the given writers. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(Caller.self(), out, err, args);
  }

  private static int run(Caller caller, PrintWriter out, PrintWriter err, String... args) {
    if (caller.viaService() && args.length > 0 && OWN_JVM.contains(args[0])) {
      throw new Fallback("jvs " + args[0] + " runs in a JVM of its own");
    }
    Factory factory = new Factory(caller);
    CommandLine cli = new CommandLine(new Main(), factory);
    try { // before the settings below, which reach only the subcommands there are
      Subcommands.add(
          cli, VERBS, args.length > 0 && !args[0].startsWith("-") ? args[0] : null, factory);
    } catch (Exception e) {
      throw new IllegalStateException("jvs: cannot build the command line: " + e, e);
    }
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(new ParameterErrors());
    // A Java stack trace only with JVS_DEBUG=1 in the caller's environment
    boolean debug = "1".equals(caller.env().get("JVS_DEBUG"));
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          PrintWriter stderr = cmd.getErr();
          if (e instanceof JvsException
              || e instanceof UncheckedIOException
              || e instanceof IllegalArgumentException) {
            stderr.println(ErrorLine.of("jvs: " + e.getMessage()));
          } else {
            stderr.println(ErrorLine.of("jvs: internal error: " + e));
          }
          if (debug) {
            e.printStackTrace(stderr);
          }
          stderr.flush();
          return 1;
        });
    return cli.execute(args);
  }

  /** The whole command tree, every verb built (for tools that walk it: help, tests). */
  static CommandLine fullCommandLine() {
    Factory factory = new Factory(Caller.self());
    CommandLine cli = new CommandLine(new Main(), factory);
    try {
      Subcommands.add(cli, VERBS, null, factory);
    } catch (Exception e) {
      throw new IllegalStateException("jvs: cannot build the command line: " + e, e);
    }
    return cli;
  }

  /** Verbs the service leaves to a JVM of their own: the service itself, and benchmarks. */
  private static final Set<String> OWN_JVM = Set.of("serve", "bench");

  /** Creates the commands picocli needs, each knowing its caller. */
  private record Factory(Caller caller) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      K made = CommandLine.defaultFactory().create(cls);
      if (made instanceof Verb verb) {
        verb.caller = caller;
      }
      return made;
    }
  }
}
