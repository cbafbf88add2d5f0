package dev.jvs.oci.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code jvs-oci serve}: gone. One service, `jvs serve`, is the warm runtime of jvs and jvs-oci
 * alike (docs/service.md); this name stays only to say so to an old unit file or script.
 */
@Command(
    name = "serve",
    hidden = true,
    description = "Replaced by `jvs serve`, the one service for jvs and jvs-oci.")
final class OciServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Unmatched List<String> ignored;

  @Override
  public Integer call() {
    spec.commandLine()
        .getErr()
        .println(
            "jvs-oci: serve: the warm runtime is `jvs serve` now, the"
                + " one service for jvs and jvs-oci (dist/jvs.service, dist/jvs.socket; docs/service.md)");
    spec.commandLine().getErr().flush();
    return 2;
  }
}
