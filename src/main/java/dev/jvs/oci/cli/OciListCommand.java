package dev.jvs.oci.cli;

import dev.jvs.oci.ContainerState;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "List containers.")
final class OciListCommand implements Runnable {
  @ParentCommand OciMain main;

  @Spec CommandSpec spec;

  @Option(
      names = {"--format", "-f"},
      description = "table or json")
  String format = "table";

  @Option(names = {"--quiet", "-q"})
  boolean quiet;

  @Override
  public void run() {
    List<ContainerState.Oci> all = main.containers().list();
    PrintWriter out = spec.commandLine().getOut();
    if (format.equals("json")) {
      out.println(Json.compact(all));
    } else if (quiet) {
      all.forEach(s -> out.println(s.id()));
    } else {
      String row = "%-12s %-8s %-10s %-40s %-30s %s%n";
      out.printf(row, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
      for (ContainerState.Oci s : all) {
        out.printf(row, s.id(), s.pid(), s.status(), s.bundle(), s.created(), "root");
      }
    }
    out.flush();
  }
}
