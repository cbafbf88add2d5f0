package dev.jvs.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * A usage mistake (unknown option, missing parameter, bad value) is one line on stderr like every
 * other jvs error, naming the command; the usage text is for --help only.
 */
final class ParameterErrors implements CommandLine.IParameterExceptionHandler {
  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    CommandSpec spec = cmd.getCommandSpec();
    String command = spec.qualifiedName(); // "jvs", "jvs build", "jvs template build"
    String where = spec.parent() == null ? "" : command.substring(command.indexOf(' ') + 1) + ": ";
    PrintWriter err = cmd.getErr();
    err.println(ErrorLine.of("jvs: " + where + reason(e) + " (see " + command + " --help)"));
    err.flush();
    return spec.exitCodeOnInvalidInput();
  }

  /**
   * picocli's message, except for arguments it could not match: it reports `build -rf` as a missing
   * name, but the unknown option is the mistake.
   */
  private static String reason(ParameterException e) {
    List<String> unmatched = e.getCommandLine().getUnmatchedArguments();
    if (!unmatched.isEmpty()) {
      String first = unmatched.getFirst();
      String what =
          first.startsWith("-")
              ? "unknown option"
              : e.getCommandLine().getSubcommands().isEmpty()
                  ? "unexpected argument"
                  : "unknown command";
      return what + " '" + first + "'";
    }
    String message = String.valueOf(e.getMessage()).strip().replaceFirst("\\.$", "");
    return message.isEmpty()
        ? message
        : Character.toLowerCase(message.charAt(0)) + message.substring(1);
  }
}
