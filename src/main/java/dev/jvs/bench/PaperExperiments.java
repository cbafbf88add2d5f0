package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.util.ArrayList;
import java.util.List;

/** The experiments of `jvs bench paper`, in the order they run and appear in the report. */
public final class PaperExperiments {
  private PaperExperiments() {}

  public static List<PaperExperiment> all() {
    return all(CompileExperiment.DEFAULT_ROUNDS);
  }

  /** As {@link #all()}, with the kernel compile's round count ({@code --compile-rounds}). */
  public static List<PaperExperiment> all(int compileRounds) {
    return List.of(
        MicroBench.lmbench(),
        MicroBench.disk(),
        new PgBenchExperiment(),
        new PgScaleExperiment(),
        new CompileExperiment(compileRounds),
        new DensityBench(),
        new PaperCpuExperiment(),
        new PaperIsolationExperiment(),
        new PaperVmExperiment(),
        new PaperNetExperiment());
  }

  /** The experiments named in {@code only} (all when empty); throws naming an unknown one. */
  public static List<PaperExperiment> select(List<String> only) {
    return select(only, CompileExperiment.DEFAULT_ROUNDS);
  }

  /** As {@link #select(List)}, with the kernel compile's round count. */
  public static List<PaperExperiment> select(List<String> only, int compileRounds) {
    if (compileRounds < 1) {
      throw new JvsException("--compile-rounds: must be at least 1, not " + compileRounds);
    }
    List<PaperExperiment> all = all(compileRounds);
    if (only.isEmpty()) {
      return all;
    }
    List<PaperExperiment> chosen = new ArrayList<>();
    for (String name : only) {
      chosen.add(
          all.stream()
              .filter(e -> e.name().equals(name))
              .findFirst()
              .orElseThrow(
                  () ->
                      new JvsException(
                          "--only: no experiment "
                              + name
                              + " (there are: "
                              + String.join(", ", all.stream().map(PaperExperiment::name).toList())
                              + ")")));
    }
    return chosen;
  }
}
