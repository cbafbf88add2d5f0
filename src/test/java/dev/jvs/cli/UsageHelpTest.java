package dev.jvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.oci.cli.OciMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Issue 17, acceptance 4: `--help` on every command and subcommand of jvs and jvs-oci, walked from
 * the whole command tree (so verbs added later are covered), exits 0, prints the usage, and names
 * the default of every option that has one.
 */
class UsageHelpTest {
  private record Run(int code, String out, String err) {}

  @Test
  void everyJvsCommandHasHelpWithDefaults() {
    int checked = checkTree(CommandTrees.jvs(), (out, args) -> Main.run(out[0], out[1], args));
    assertThat(checked).isGreaterThan(30); // the verbs, template's and bench's subcommands
  }

  @Test
  void everyJvsOciCommandHasHelpWithDefaults() {
    int checked = checkTree(CommandTrees.oci(), (out, args) -> OciMain.run(out[0], out[1], args));
    assertThat(checked).isGreaterThan(12);
  }

  private static int checkTree(CommandLine top, BiFunction<PrintWriter[], String[], Integer> main) {
    int checked = 0;
    for (CommandLine cmd : all(top)) {
      CommandSpec spec = cmd.getCommandSpec();
      List<String> args = new ArrayList<>();
      for (CommandSpec s = spec; s.parent() != null; s = s.parent()) {
        args.addFirst(s.name());
      }
      args.add("--help");
      Run r = run(main, args);
      String what = spec.qualifiedName() + " --help";
      assertThat(r.code()).as(what).isZero();
      assertThat(r.err()).as(what).isEmpty();
      // `jvs oci` passes its arguments on: its help is the OCI front-end's
      String usage = spec.unmatchedArgsBindings().isEmpty() ? spec.qualifiedName() : "jvs-oci";
      assertThat(r.out()).as(what).startsWith("Usage: " + usage);
      for (OptionSpec o : spec.options()) {
        String value = o.defaultValueString();
        if (!o.hidden() && !o.typeInfo().isBoolean() && value != null && !value.equals("null")) {
          assertThat(r.out()).as(what + ": " + o.longestName()).contains("Default: " + value);
        }
      }
      checked++;
    }
    return checked;
  }

  /** The top command and all below it, once each, without picocli's `help` commands. */
  private static List<CommandLine> all(CommandLine top) {
    List<CommandLine> out = new ArrayList<>(List.of(top));
    for (CommandLine sub : ManPage.subcommands(top)) {
      out.addAll(all(sub));
    }
    return out;
  }

  private static Run run(BiFunction<PrintWriter[], String[], Integer> main, List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    PrintWriter[] writers = {new PrintWriter(out), new PrintWriter(err)};
    int code = main.apply(writers, args.toArray(String[]::new));
    writers[0].flush();
    writers[1].flush();
    return new Run(code, out.toString(), err.toString());
  }
}
