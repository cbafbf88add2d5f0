package dev.jvs.cli;

import dev.jvs.oci.cli.OciMain;
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

  public static CommandLine oci() {
    return OciMain.fullCommandLine();
  }
}
