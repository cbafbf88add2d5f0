package dev.jvs.serve;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The help every command of jvs and jvs-oci offers: -h/--help on each (picocli's standard mixin
 * reaches the top command only), and the default of each option that has one, so no user has to
 * read the source to learn what an omitted option means.
 */
public final class UsageHelp {
  private UsageHelp() {}

  /**
   * Applies to {@code cmd} and every subcommand under it. A command that passes unknown arguments
   * on (`jvs oci`) gets no --help of its own: `jvs oci --help` is the OCI front-end's.
   */
  public static void apply(CommandLine cmd) {
    CommandSpec spec = cmd.getCommandSpec();
    if (spec.findOption("-h") == null
        && spec.findOption("--help") == null
        && spec.unmatchedArgsBindings().isEmpty()) {
      spec.addOption(
          OptionSpec.builder("-h", "--help")
              .usageHelp(true)
              .description("Show this help message and exit.")
              .build());
    }
    // as "Default: X" under the description (which therefore need not name it)
    spec.usageMessage().showDefaultValues(true);
    cmd.getSubcommands().values().forEach(UsageHelp::apply);
  }
}
