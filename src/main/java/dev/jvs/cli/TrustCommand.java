package dev.jvs.cli;

import dev.jvs.api.TrustedClients;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "trust",
    description = {
      "Manage the clients trusted on the REST API's HTTPS listener (jvs serve --listen).",
      "A client sends its token as `Authorization: Bearer TOKEN`; only a hash is kept, and a",
      "removal takes effect on the running service's next request."
    },
    subcommands = {
      TrustCommand.Add.class,
      TrustCommand.ListClients.class,
      TrustCommand.Remove.class,
      CommandLine.HelpCommand.class
    })
final class TrustCommand extends Verb implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "add", description = "Trust a new client; prints its token (shown only once).")
  static final class Add extends Verb implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "the client's name")
    String name;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.println(new TrustedClients(caller.dirs().root()).add(name));
      out.flush();
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List the trusted clients' names.")
  static final class ListClients extends Verb implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      new TrustedClients(caller.dirs().root()).list().forEach(out::println);
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "remove",
      aliases = "rm",
      description = "Revoke a client's token (the running service refuses it at once).")
  static final class Remove extends Verb implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the client's name")
    String name;

    @Override
    public Integer call() {
      new TrustedClients(caller.dirs().root()).remove(name);
      return 0;
    }
  }
}
