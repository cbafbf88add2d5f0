package dev.jvs.cli;

import dev.jvs.bench.PaperBench;
import dev.jvs.bench.PaperExperiments;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvs bench paper`: the paper's evaluation as one resumable run with a report. */
@Command(
    name = "paper",
    description = {
      "The paper's evaluation, reproduced: CSVs, plots and a report.",
      "Writes DIR/NAME.csv (every figure with the machine it was taken on), a PNG and an SVG per"
          + " figure, and DIR/report.md and report.html with each measured figure next to the"
          + " paper's claim. Experiments finished in DIR are skipped unless --force. Needs root;"
          + " leaves nothing behind."
    })
final class BenchPaperCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", defaultValue = "eval", description = "output directory (default eval)")
  Path out;

  @Option(names = "--quick", description = "small versions of every experiment (minutes)")
  boolean quick;

  @Option(names = "--force", description = "rerun experiments already finished in --out")
  boolean force;

  @Option(
      names = "--only",
      split = ",",
      paramLabel = "NAME",
      description = "run only these experiments (comma-separated)")
  List<String> only = new ArrayList<>();

  @Option(
      names = "--compile-rounds",
      paramLabel = "N",
      description = "rounds of the kernel compile (default 3; each builds once per system)")
  int compileRounds = dev.jvs.bench.CompileExperiment.DEFAULT_ROUNDS;

  @Override
  public Integer call() {
    Path report =
        new PaperBench(
                out,
                quick,
                force,
                Runtime.initBinary(System.getenv()),
                BenchCommand.progress(spec, "bench paper: "))
            .run(PaperExperiments.select(only, compileRounds));
    spec.commandLine().getOut().println("report: " + report);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
