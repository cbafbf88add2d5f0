package dev.jvs.cli;

import dev.jvs.guest.Guests;
import dev.jvs.image.TemplateSources;
import dev.jvs.image.Templates;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "template",
    description = "Build, import, list and remove read-only templates.",
    subcommands = {
      TemplateCommand.Build.class,
      TemplateCommand.Import.class,
      TemplateCommand.ListTemplates.class,
      TemplateCommand.Remove.class,
      CommandLine.HelpCommand.class
    })
final class TemplateCommand extends Verb implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Templates templates(Guests guests) {
    return new Templates(guests.dirs().templates());
  }

  @Command(
      name = "build",
      description =
          "Build a template: debian:SUITE (debootstrap from the"
              + " host's apt mirror, cached), busybox, or oci:PATH.")
  static final class Build extends Verb implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "template name")
    String name;

    @Option(names = "--from", required = true, description = "debian:SUITE, busybox or oci:PATH")
    String from;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      boolean terminal = caller.isTerminal(2);
      TemplateSources.forHost(templates(guests()), caller.env())
          .build(name, from, progress(err, terminal));
      if (terminal) {
        err.print("\r\033[K");
        err.flush();
      }
      return 0;
    }
  }

  /** One updating status line on a terminal; nothing otherwise (the log stays in the cache). */
  static Consumer<String> progress(PrintWriter err, boolean terminal) {
    if (!terminal) {
      return line -> {};
    }
    int[] steps = {0};
    return line -> {
      if (line.startsWith("I: ") || line.startsWith("W: ")) {
        steps[0]++;
        String text = line.length() > 70 ? line.substring(0, 70) + "…" : line;
        err.print("\r\033[K[debootstrap " + steps[0] + "] " + text);
        err.flush();
      }
    };
  }

  @Command(
      name = "import",
      description =
          "Import an OCI image layout directory or a"
              + " docker-archive/oci-archive tarball as a template.")
  static final class Import extends Verb implements Callable<Integer> {
    @Parameters(index = "0", description = "template name")
    String name;

    @Option(names = "--from", required = true, description = "[oci:]PATH")
    String from;

    @Override
    public Integer call() {
      String path = from.startsWith("oci:") ? from.substring(4) : from;
      TemplateSources.forHost(templates(guests()), caller.env())
          .importImage(name, caller.path(path));
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List templates and where they came from.")
  static final class ListTemplates extends Verb implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.printf("%-24s %-6s %s%n", "NAME", "IMAGE", "SOURCE");
      for (Templates.Info t : templates(guests()).list()) {
        out.printf("%-24s %-6s %s%n", t.name(), t.imageConfig() ? "yes" : "-", t.source());
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "rm", description = "Remove a template no guest uses.")
  static final class Remove extends Verb implements Callable<Integer> {
    @Parameters(index = "0", description = "template name")
    String name;

    @Override
    public Integer call() {
      Guests guests = guests();
      templates(guests).remove(name, () -> guests.templateUsers(name));
      return 0;
    }
  }
}
