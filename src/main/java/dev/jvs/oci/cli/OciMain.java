package dev.jvs.oci.cli;

import dev.jvs.base.JvsException;
import dev.jvs.oci.serve.Caller;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * jvs-oci: a runc-compatible command line (containerd, Podman, Kubernetes call it). Global options
 * come before the verb, as runc's callers pass them. Errors go to stderr as one line and, with
 * {@code --log}, to the log file (JSON with {@code --log-format json}), where containerd reads them.
 */
@Command(
    name = "jvs-oci",
    mixinStandardHelpOptions = true,
    version = {"jvs-oci version 0.1.0", "spec: 1.2.0"},
    description = "OCI runtime (runc-compatible) on the jvs launch path.",
    subcommands = {
      CreateCommand.class,
      StartCommand.class,
      StateCommand.class,
      KillCommand.class,
      DeleteCommand.class,
      ListCommand.class,
      ExecCommand.class,
      PsCommand.class,
      PauseCommand.class,
      ResumeCommand.class,
      UpdateCommand.class,
      SpecCommand.class,
      FeaturesCommand.class,
      ServeCommand.class
    })
public final class OciMain implements Runnable {
  @Option(names = "--root", description = "state directory (default /run/jvs-oci)")
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

  /** Who runs this command line: this process, or a client of the warm service. */
  Caller caller = Caller.self();

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
    return caller.cwd().resolve(given);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(Caller.self(), out, err, args);
  }

  /** Runs one command line for {@code caller}; never exits the JVM (the service runs many). */
  public static int run(Caller caller, PrintWriter out, PrintWriter err, String... args) {
    OciMain main = new OciMain();
    main.caller = caller;
    CommandLine cli = new CommandLine(main);
    // relative paths (--bundle, --pid-file, --process, …) are the caller's, not this JVM's
    cli.registerConverter(Path.class, s -> caller.cwd().resolve(s));
    cli.setOut(out);
    cli.setErr(err);
    // runc exec ID CMD ARGS…: everything after the id belongs to the command, "-c" included
    cli.getSubcommands().get("exec").setStopAtPositional(true);
    // a wrapper may pass --root and its caller again: the last one wins, as with runc
    cli.setOverwrittenOptionsAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          String message =
              e instanceof JvsException || e instanceof UncheckedIOException
                      || e instanceof IllegalArgumentException
                  ? e.getMessage()
                  : "internal error: " + e;
          OciLog log = new OciLog(main.log == null ? null : main.path(main.log).toString(),
              main.logFormat);
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
