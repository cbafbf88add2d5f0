package dev.jvs.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A section 1 man page in troff, written from a picocli command tree: the top command's synopsis,
 * description and options, then one subsection per subcommand, nested ones included. What `--help`
 * prints, so the two never disagree.
 */
final class ManPage {
  private final CommandLine top;
  private final StringBuilder out = new StringBuilder();

  ManPage(CommandLine top) {
    this.top = top;
  }

  String troff() {
    CommandSpec spec = top.getCommandSpec();
    String name = spec.name();
    String version = spec.version().length > 0 ? spec.version()[0] : name;
    line(".TH " + name.toUpperCase() + " 1 \"\" \"" + esc(version) + "\" \"User Commands\"");
    line(".SH NAME");
    line(esc(name) + " \\- " + esc(first(spec.usageMessage().description())));
    line(".SH SYNOPSIS");
    synopsis(spec);
    line(".SH DESCRIPTION");
    paragraphs(spec.usageMessage().description());
    options(spec);
    line(".SH COMMANDS");
    for (CommandLine sub : subcommands(top)) {
      command(sub);
    }
    line(".SH SEE ALSO");
    line("Each command prints this text with \\fB\\-\\-help\\fR.");
    return out.toString();
  }

  private void command(CommandLine cmd) {
    CommandSpec spec = cmd.getCommandSpec();
    line(".SS " + esc(spec.qualifiedName()));
    synopsis(spec);
    paragraphs(spec.usageMessage().description());
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (!p.hidden() && p.description().length > 0) {
        line(".TP");
        line("\\fI" + esc(p.paramLabel()) + "\\fR");
        line(esc(String.join(" ", p.description())) + defaultOf(p.defaultValueString()));
      }
    }
    options(spec);
    for (CommandLine sub : subcommands(cmd)) {
      command(sub);
    }
  }

  private void synopsis(CommandSpec spec) {
    Help help = new Help(spec, Help.defaultColorScheme(Help.Ansi.OFF));
    line(".nf");
    for (String l : help.synopsis(0).strip().split("\n")) {
      line(esc(l.stripTrailing()));
    }
    line(".fi");
  }

  private void options(CommandSpec spec) {
    List<OptionSpec> shown = spec.options().stream().filter(o -> !o.hidden()).toList();
    if (shown.isEmpty()) {
      return;
    }
    line(spec == top.getCommandSpec() ? ".SH OPTIONS" : ".PP\nOptions:");
    for (OptionSpec o : shown) {
      line(".TP");
      String names = String.join(", ", List.of(o.names()));
      String value = o.arity().max() > 0 ? "=" + o.paramLabel() : "";
      line("\\fB" + esc(names) + "\\fR" + esc(value));
      String defaultValue = o.typeInfo().isBoolean() ? null : o.defaultValueString();
      line(esc(String.join(" ", o.description())) + defaultOf(defaultValue));
    }
  }

  private static String defaultOf(String value) {
    return value == null || value.equals("null") || value.equals("[]")
        ? ""
        : " Default: " + esc(value) + ".";
  }

  private void paragraphs(String[] lines) {
    for (String l : lines) {
      line(".PP");
      line(esc(l));
    }
  }

  /** Subcommands once each (an alias maps to the same one), without picocli's `help`. */
  static List<CommandLine> subcommands(CommandLine cmd) {
    Set<CommandLine> seen = new LinkedHashSet<>();
    for (CommandLine sub : cmd.getSubcommands().values()) {
      if (!sub.getCommandSpec().usageMessage().hidden()
          && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        seen.add(sub);
      }
    }
    return new ArrayList<>(seen);
  }

  private static String first(String[] lines) {
    return lines.length > 0 ? lines[0] : "";
  }

  /** troff escapes: backslashes and minus signs, and a line must not start a request. */
  private static String esc(String s) {
    String e = s.replace("\\", "\\e").replace("-", "\\-");
    return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
  }

  private void line(String l) {
    out.append(l).append('\n');
  }
}
