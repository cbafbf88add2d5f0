package dev.jvs.oci.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "ps", description = "List a container's processes (host pids).")
final class OciPsCommand implements Runnable {
  @ParentCommand OciMain main;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Parameters(index = "1..*", paramLabel = "PS_OPTION")
  List<String> psOptions = new ArrayList<>();

  @Option(
      names = {"--format", "-f"},
      description = "table or json")
  String format = "table";

  @Override
  public void run() {
    List<Long> pids = main.containers().pids(id);
    PrintWriter out = spec.commandLine().getOut();
    if (format.equals("json")) {
      out.println(Json.compact(pids));
      out.flush();
      return;
    }
    List<String> cmd = new ArrayList<>(List.of("ps"));
    cmd.addAll(psOptions.isEmpty() ? List.of("-f") : psOptions);
    cmd.add("-p");
    cmd.add(
        pids.isEmpty() ? "0" : pids.stream().map(String::valueOf).collect(Collectors.joining(",")));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      out.print(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      p.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.flush();
  }
}
