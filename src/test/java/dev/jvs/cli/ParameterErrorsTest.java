package dev.jvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command, nested ones included, reports a usage mistake in one line; usage on --help. */
class ParameterErrorsTest {
  private record Run(int code, String out, String err) {}

  private static Run run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  /**
   * "build", "template build", … for every command under jvs but oci (its own front-end) and
   * picocli's help commands (whose argument is a command name).
   */
  private static List<String> commands() {
    Set<CommandLine> seen = new LinkedHashSet<>(); // an alias maps to the same CommandLine
    List<String> out = new ArrayList<>();
    collect(Main.fullCommandLine(), seen, out);
    return out;
  }

  private static void collect(CommandLine cmd, Set<CommandLine> seen, List<String> out) {
    for (CommandLine sub : cmd.getSubcommands().values()) {
      String name = sub.getCommandSpec().qualifiedName().substring("jvs ".length());
      if (seen.add(sub) && !name.equals("oci") && !name.endsWith("help")) {
        out.add(name);
        collect(sub, seen, out);
      }
    }
  }

  @Test
  void anUnknownOptionIsOneLineForEveryCommand() {
    List<String> commands = commands();
    assertThat(commands).contains("build", "set", "template build", "template rm", "bench start");
    for (String command : commands) {
      List<String> args = new ArrayList<>(List.of(command.split(" ")));
      args.add("--no-such-option");
      Run r = run(args);
      assertThat(r.err())
          .as(command)
          .isEqualTo(
              "jvs: "
                  + command
                  + ": unknown option '--no-such-option' (see jvs "
                  + command
                  + " --help)\n");
      assertThat(r.out()).as(command).isEmpty();
      assertThat(r.code()).as(command).isEqualTo(2);
    }
  }

  @Test
  void helpPrintsUsageForEveryCommand() {
    for (String command : commands()) {
      List<String> args = new ArrayList<>(List.of(command.split(" ")));
      args.add("--help");
      Run r = run(args);
      assertThat(r.out()).as(command).startsWith("Usage: jvs " + command);
      assertThat(r.err()).as(command).isEmpty();
      assertThat(r.code()).as(command).isZero();
    }
  }

  @Test
  void aLineBreakInAnArgumentStaysOnOneLine() {
    Run r = run(List.of("build", "--x\ny"));
    assertThat(r.err()).isEqualTo("jvs: build: unknown option '--x\\ny' (see jvs build --help)\n");
  }
}
