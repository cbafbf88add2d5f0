package dev.jvs.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The paper's kernel-compile macro-benchmark: a tinyconfig build of Debian's linux-source-6.1,
 * natively, in a jvs guest and in a runc container, on the same tree and the same host toolchain
 * ({@link CompileSystems}), in interleaved rounds; wall time and user+sys CPU time as ratios to
 * native. Skipped in --quick: the tree is a 138 MB download and 1.3 GB on disk, and one build takes
 * minutes.
 */
public final class CompileExperiment implements PaperExperiment {
  private static final List<String> ROWS = List.of("wall time", "user+sys CPU time");

  /** Rounds of a full run; each round is one build per system, minutes each. */
  public static final int DEFAULT_ROUNDS = 3;

  private final int rounds;

  CompileExperiment(int rounds) {
    this.rounds = rounds;
  }

  @Override
  public String name() {
    return "compile";
  }

  @Override
  public String title() {
    return "kernel compile (tinyconfig, Debian's linux-source-6.1), native vs jvs vs runc";
  }

  @Override
  public Duration estimate(boolean quick) {
    return quick ? Duration.ZERO : Duration.ofMinutes(3 + rounds * 3 * 5);
  }

  @Override
  public Output run(BenchHost host, boolean quick, Consumer<String> progress) {
    if (quick) {
      String why =
          "skipped in --quick: it downloads Debian's linux-source-6.1 (138 MB, 1.3 GB extracted)"
              + " on first use and each build takes minutes; run `jvs bench paper --only compile`"
              + " (docs/evaluation.md has this machine's figures)";
      progress.accept(why);
      return new Output(new ResultTable(), List.of(), Map.of(), List.of(why));
    }
    int jobs = Runtime.getRuntime().availableProcessors();
    CompileSystems systems = CompileSystems.prepare(host, jobs, progress);
    progress.accept("reading the tree once, so no build starts on a cold page cache");
    systems.warmPageCache();
    List<String> names = systems.names();
    Map<String, List<KernelBuild.Result>> results = new LinkedHashMap<>();
    names.forEach(n -> results.put(n, new ArrayList<>()));
    ResultTable table = new ResultTable();
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < names.size(); k++) {
        host.checkOpen();
        String system = names.get(Math.floorMod(r + k, names.size()));
        progress.accept("round " + (r + 1) + "/" + rounds + ": " + system);
        KernelBuild.Result res = systems.build(system);
        results.get(system).add(res);
        table.add(system, "wall", "s", r, res.wall());
        table.add(system, "user", "s", r, res.user());
        table.add(system, "sys", "s", r, res.sys());
        progress.accept(
            String.format(
                "  %s: %.1f s wall, %.1f s user, %.1f s sys",
                system, res.wall(), res.user(), res.sys()));
      }
    }

    CostRatios ratios = CostRatios.of(names, results, ROWS.size(), CompileExperiment::cost);
    List<Claim> claims = new ArrayList<>();
    List<String> notes = new ArrayList<>(systems.notes());
    for (int s = 0; s < ratios.compared().size(); s++) {
      String system = ratios.compared().get(s);
      for (int i = 0; i < ROWS.size(); i++) {
        double[] m = ratios.of(s, i);
        if (system.equals(CompileSystems.JVS)) {
          claims.add(
              Claim.ratio(
                  name(),
                  ROWS.get(i) + ": jvs / native",
                  "the paper: VServer's kernel compile within a few percent of native; goal here"
                      + " within 5 % (<= 1.05x)",
                  m,
                  1.05));
        } else {
          notes.add(
              String.format(
                  "%s: %s / native %.3fx [%.3f, %.3f]; jvs / %s %.3fx",
                  ROWS.get(i), system, m[0], m[1], m[2], system, ratios.of(0, i)[0] / m[0]));
        }
      }
    }
    for (String system : names) {
      List<KernelBuild.Result> rs = results.get(system);
      notes.add(
          String.format(
              "%s: %.1f s wall, %.1f s user, %.1f s sys (medians over rounds)",
              system,
              median(rs, KernelBuild.Result::wall),
              median(rs, KernelBuild.Result::user),
              median(rs, KernelBuild.Result::sys)));
    }
    notes.add(
        String.format(
            "%d interleaved round(s), each system a fresh build into an empty output directory:"
                + " make O=OUT ARCH=x86_64 tinyconfig, then make -j%d (vmlinux and bzImage) of"
                + " Debian's %s %s, timed inside the build script (container start and teardown"
                + " excluded); CPU time is the build's children's user+sys (the shell's `times`)",
            rounds, jobs, KernelSource.PACKAGE, systems.source().version()));
    notes.add(
        "the same tree and toolchain everywhere: the tree is extracted once into "
            + KernelSource.CACHE
            + " and read once before the first round; the jvs guest and the runc container run on"
            + " a template whose /usr (gcc, binutils, make, flex, bison, perl, libelf) and"
            + " /usr/src tree are hard links to the host's files; jvs builds into the guest's own"
            + " overlayfs layer, runc (read-only root) into a bind-mounted host directory, native"
            + " into the benchmark's scratch directory, in a cgroup of its own beside the guests';"
            + " no VM column: under TCG a compile would measure the emulator");
    BarChart chart =
        ratios.chart(
            "kernel compile: cost relative to native (95 % CI), lower is better",
            "time / native", ROWS);
    return new Output(table, claims, Map.of(name(), chart), notes);
  }

  /** Row {@code i} of a build: its wall time, or its CPU time. */
  private static double cost(KernelBuild.Result r, int i) {
    return i == 0 ? r.wall() : r.cpu();
  }

  private static double median(
      List<KernelBuild.Result> rs, java.util.function.ToDoubleFunction<KernelBuild.Result> f) {
    return Quartiles.of(rs.stream().mapToDouble(f).toArray()).median();
  }
}
