package dev.jvs.oci.cli;

import dev.jvs.oci.Containers;
import dev.jvs.oci.ExecProcess;
import dev.jvs.oci.OciConfigReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "exec", description = "Run a process in a running container.")
final class OciExecCommand implements java.util.concurrent.Callable<Integer> {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Parameters(index = "1..*", paramLabel = "COMMAND")
  List<String> command = new ArrayList<>();

  @Option(
      names = {"--process", "-p"},
      description = "process.json (runtime-spec process)")
  Path process;

  @Option(names = {"--detach", "-d"})
  boolean detach;

  @Option(names = {"--tty", "-t"})
  boolean tty;

  @Option(names = "--pid-file")
  Path pidFile;

  @Option(names = "--console-socket")
  Path consoleSocket;

  @Option(names = "--cwd", description = "working directory (default: the container's)")
  String cwd;

  @Option(
      names = {"--env", "-e"},
      description = "K=V, added to the container's environment")
  List<String> env = new ArrayList<>();

  @Option(
      names = {"--user", "-u"},
      description = "UID[:GID] (default: the container's)")
  String user;

  @Option(
      names = {"--additional-gids", "-g"},
      description = "added to the container's")
  List<Long> additionalGids = new ArrayList<>();

  @Option(
      names = {"--cap", "-c"},
      description = "a capability to add to the container's")
  List<String> caps = new ArrayList<>();

  @Option(names = "--no-new-privs", description = "set no_new_privs (default: the container's)")
  boolean noNewPrivs;

  @Override
  public Integer call() {
    ExecProcess what;
    if (process != null) {
      what = new ExecProcess.Given(OciConfigReader.readProcess(process));
    } else if (command.isEmpty()) {
      throw new IllegalArgumentException("exec: a command or --process is required");
    } else {
      what =
          new ExecProcess.Inherited(command, cwd, env, user, additionalGids, caps, noNewPrivs, tty);
    }
    return main.containers()
        .exec(id, what, new Containers.ExecOptions(detach, tty, pidFile, consoleSocket));
  }
}
