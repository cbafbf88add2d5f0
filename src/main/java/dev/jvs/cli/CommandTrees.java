package dev.jvs.cli;

import dev.jvs.oci.cli.OciMain;
import dev.jvs.serve.Subcommands;
import java.util.List;
import picocli.CommandLine;

/**
 * The whole command trees of jvs and jvs-oci, every verb built, with the help options their mains
 * give them: for what documents them (man pages, bash completion) and for the help test.
 */
public final class CommandTrees {
  private CommandTrees() {}

  public static CommandLine jvs() {
    return Main.fullCommandLine();
  }

  /**
   * OciMain builds its tree per call and keeps its verb list private; it is read here until OciMain
   * offers the tree itself.
   */
  public static CommandLine oci() {
    try {
      var field = OciMain.class.getDeclaredField("VERBS");
      field.setAccessible(true);
      @SuppressWarnings("unchecked")
      List<Class<?>> verbs = (List<Class<?>>) field.get(null);
      CommandLine cli = new CommandLine(new OciMain());
      Subcommands.add(cli, verbs, null, CommandLine.defaultFactory());
      return cli;
    } catch (Exception e) {
      throw new IllegalStateException("jvs-oci: cannot build the command tree: " + e, e);
    }
  }
}
