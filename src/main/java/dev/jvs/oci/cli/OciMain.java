package dev.jvs.oci.cli;

import dev.jvs.base.JvsException;
import dev.jvs.oci.Containers;
import dev.jvs.serve.Caller;
import dev.jvs.serve.Fallback;
import dev.jvs.serve.Subcommands;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * jvs-oci: a runc-compatible command line (containerd, Podman, Kubernetes call it). Global options
 * come before the verb, as runc's callers pass them. Errors go to stderr as one line and, with
 * {@code --log}, to the log file (JSON with {@code --log-format json}), where containerd reads
 * them.
 */
@Command(
    name = "jvs-oci",
    mixinStandardHelpOptions = true,
    version = {"jvs-oci version 0.1.0", "spec: 1.2.0"},
    // the subcommands are VERBS, added per call: only the one a command line names is built
    description = "OCI runtime (runc-compatible) on the jvs launch path.")
public final class OciMain implements Runnable {
  /** The verbs, in the order `jvs-oci --help` lists them. */
  private static final List<Class<?>> VERBS =
      List.of(
          OciCreateCommand.class,
          OciStartCommand.class,
          OciStateCommand.class,
          OciKillCommand.class,
          OciDeleteCommand.class,
          OciListCommand.class,
          OciExecCommand.class,
          OciPsCommand.class,
          OciPauseCommand.class,
          OciResumeCommand.class,
          OciUpdateCommand.class,
          OciCheckpointCommand.class,
          OciRestoreCommand.class,
          OciSpecCommand.class,
          OciFeaturesCommand.class,
          OciServeCommand.class);

  /** Global options that take a value as the next argument (runc's callers pass them so). */
  private static final Set<String> VALUED =
      Set.of("--root", "--log", "--log-format", "--criu", "--rootless");

  @Option(names = "--root", description = "state directory")
  String root = "/run/jvs-oci";

  @Option(names = "--log", description = "log file (containerd reads errors from it)")
  String log;

  @Option(names = "--log-format", description = "text or json")
  String logFormat = "text";

  @Option(names = "--debug", description = "log debug messages")
  boolean debug;

  @Option(names = "--systemd-cgroup", description = "unsupported: refused when set")
  boolean systemdCgroup;

  @Option(names = "--rootless", description = "auto, true or false; jvs runs as root only")
  String rootless;

  @Option(names = "--criu", hidden = true)
  String criu;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Who runs this command line: this process, or a client of the jvs service. */
  Caller caller;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** As runc's logrus does: to the --log file when there is one, else a line on stderr. */
  void warn(String message) {
    if (log != null) {
      new OciLog(path(log).toString(), logFormat).warning(message);
    } else {
      PrintWriter err = spec.commandLine().getErr();
      err.println(OciLog.textLine("warning", message));
      err.flush();
    }
  }

  /** A path given on the command line, resolved against the caller's working directory. */
  Path path(String given) {
    return caller.path(given);
  }

  /** The runtime for this command line's --root. */
  Containers containers() {
    if (systemdCgroup) {
      throw new JvsException("--systemd-cgroup is not supported by jvs (use the cgroupfs driver)");
    }
    return new Containers(path(root), caller.runtime().instances(caller.monitors()), this::warn);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return run(Caller.self(), args);
  }

  /** Runs one command line for {@code caller}, printing to its stdout and stderr. */
  public static int run(Caller caller, String... args) {
    return caller.printing((out, err) -> run(caller, out, err, args));
  }

  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(Caller.self(), out, err, args);
  }

  /** The verb after the global options, or null (then every verb's model is built). */
  private static String verb(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("-")) {
        return args[i];
      }
      if (VALUED.contains(args[i])) {
        i++; // its value
      }
    }
    return null;
  }

  /** The whole command tree, every verb built (for tools that walk it: help, man pages, tests). */
  public static CommandLine fullCommandLine() {
    CommandLine cli = new CommandLine(new OciMain());
    try {
      Subcommands.add(cli, VERBS, null, CommandLine.defaultFactory());
    } catch (Exception e) {
      throw new IllegalStateException("jvs-oci: cannot build the command line: " + e, e);
    }
    return cli;
  }

  /** Runs one command line for {@code caller}; never exits the JVM (the service runs many). */
  public static int run(Caller caller, PrintWriter out, PrintWriter err, String... args) {
    if (caller.viaService() && "restore".equals(verb(args))) {
      // criu must be the caller's descendant, with the caller's stdio: its own JVM does that
      throw new Fallback("jvs-oci restore runs criu as a child of the caller");
    }
    OciMain main = new OciMain();
    main.caller = caller;
    CommandLine cli = new CommandLine(main);
    try { // before the settings below, which reach only the subcommands there are
      Subcommands.add(cli, VERBS, verb(args), CommandLine.defaultFactory());
    } catch (Exception e) {
      throw new IllegalStateException("jvs-oci: cannot build the command line: " + e, e);
    }
    // relative paths (--bundle, --pid-file, --process, …) are the caller's, not this JVM's
    cli.registerConverter(Path.class, caller::path);
    cli.setOut(out);
    cli.setErr(err);
    // runc exec ID CMD ARGS…: everything after the id belongs to the command, "-c" included
    if (cli.getSubcommands().containsKey("exec")) {
      cli.getSubcommands().get("exec").setStopAtPositional(true);
    }
    // a wrapper may pass --root and its caller again: the last one wins, as with runc
    cli.setOverwrittenOptionsAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          String message =
              e instanceof JvsException
                      || e instanceof UncheckedIOException
                      || e instanceof IllegalArgumentException
                  ? e.getMessage()
                  : "internal error: " + e;
          OciLog log =
              new OciLog(main.log == null ? null : main.path(main.log).toString(), main.logFormat);
          log.error(message);
          // as runc: without --log the logrus-style line goes to stderr, with it the bare message
          cmd.getErr().println(main.log == null ? OciLog.textLine(message) : message);
          if (main.debug || !(e instanceof JvsException)) {
            e.printStackTrace(cmd.getErr());
          }
          cmd.getErr().flush();
          return 1;
        });
    return cli.execute(args);
  }
}
