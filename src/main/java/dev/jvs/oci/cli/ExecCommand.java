package dev.jvs.oci.cli;

import dev.jvs.oci.Containers;
import dev.jvs.oci.OciConfig;
import dev.jvs.oci.OciConfigReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "exec", description = "Run a process in a running container.")
final class ExecCommand implements java.util.concurrent.Callable<Integer> {
  @ParentCommand OciMain main;

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Parameters(index = "1..*", paramLabel = "COMMAND") List<String> command = new ArrayList<>();

  @Option(names = {"--process", "-p"}, description = "process.json (runtime-spec process)")
  Path process;

  @Option(names = {"--detach", "-d"}) boolean detach;

  @Option(names = {"--tty", "-t"}) boolean tty;

  @Option(names = "--pid-file") Path pidFile;

  @Option(names = "--console-socket") Path consoleSocket;

  @Option(names = "--cwd") String cwd = "/";

  @Option(names = {"--env", "-e"}) List<String> env = new ArrayList<>();

  @Override
  public Integer call() {
    OciConfig.Process p;
    if (process != null) {
      p = OciConfigReader.readProcess(process);
    } else {
      if (command.isEmpty()) {
        throw new IllegalArgumentException("exec: a command or --process is required");
      }
      List<String> e = new ArrayList<>(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
      e.addAll(env);
      p = new OciConfig.Process(tty, null, null, command, e, cwd, null, null, null, null, null, null);
    }
    boolean terminal = tty || Boolean.TRUE.equals(p.terminal());
    return Runtime.containers(main).exec(id, p, new Containers.ExecOptions(detach, terminal, pidFile, consoleSocket));
  }
}
