package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.testing.Cli;
import dev.jvs.testing.LeakAudit;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jvs bench paper --quick` end to end on the real kernel, as the packaged CLI: every experiment
 * writes its CSV, its plots (a readable PNG and an SVG each) and its claims, every figure in the
 * report is a finite number, a rerun skips what is finished, and the run leaves no benchmark
 * directory or guest monitor behind. Timings are never asserted.
 */
@Tag("kernel")
class BenchPaperQuickIT {
  private static final List<String> EXPERIMENTS =
      List.of("micro", "disk", "pgbench", "scale", "density", "cpu", "isolation", "net");

  @TempDir Path out;

  @Test
  void quickRunWritesEveryCsvPlotAndFiniteFigureAndLeavesNothing() throws Exception {
    Set<String> benchDirsBefore = benchDirs();
    Run first = run("bench", "paper", "--quick", "--out", out.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err()).contains("ETA");

    ObjectMapper json = new ObjectMapper();
    for (String name : EXPERIMENTS) {
      Path csv = out.resolve(name + ".csv");
      assertThat(csv).as(first.err()).exists();
      List<String> lines = Files.readAllLines(csv);
      assertThat(lines.getFirst())
          .as(name)
          .startsWith("system,metric,unit,round,value,kernel,cgroup_mode,cpus,memory_kib,load1");
      assertThat(lines).as(name + ": rows").hasSizeGreaterThan(1);
      JsonNode stored = json.readTree(out.resolve(name + ".claims.json").toFile());
      assertThat(stored.get("claims")).as(name + ": claims").isNotEmpty();
      for (JsonNode claim : stored.get("claims")) {
        String row = name + " / " + claim.get("row").asText();
        if (claim.get("unit").asText().equals("x")) {
          assertThat(claim.get("measured").isNumber()).as(row).isTrue();
          double v = claim.get("measured").asDouble();
          assertThat(Double.isFinite(v) && v > 0).as(row + ": " + v).isTrue();
        }
      }
      assertThat(stored.get("figures")).as(name + ": figures").isNotEmpty();
      for (JsonNode fig : stored.get("figures")) {
        Path png = out.resolve(fig.asText() + ".png");
        Path svg = out.resolve(fig.asText() + ".svg");
        assertThat(ImageIO.read(png.toFile())).as(png.toString()).isNotNull();
        assertThat(Files.readString(svg))
            .as(svg.toString())
            .startsWith("<svg")
            .endsWith("</svg>\n");
      }
    }
    String report = Files.readString(out.resolve("report.md"));
    for (String name : EXPERIMENTS) {
      assertThat(report).contains("## " + name + ":");
    }
    assertThat(report).doesNotContain("Not run yet").contains("![micro](micro.svg)");
    // the kernel compile downloads 138 MB and builds for minutes: --quick skips it, saying why
    assertThat(report)
        .contains("## compile:")
        .contains("skipped in --quick: it downloads Debian's linux-source-6.1");
    assertThat(out.resolve("compile.csv")).exists();
    assertThat(Files.readString(out.resolve("report.html"))).contains("<img src=\"micro.svg\"");

    // Resumable: a rerun skips what is finished and rewrites the report.
    Run again = run("bench", "paper", "--quick", "--only", "micro", "--out", out.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).contains("micro: finished in");
    String rewritten = Files.readString(out.resolve("report.md"));
    for (String name : EXPERIMENTS) { // the report covers every experiment finished there
      assertThat(rewritten).contains("## " + name + ":");
    }

    // Other benchmarks may run on this host meanwhile: a directory of ours that was left behind
    // is a new one whose owner lock nobody holds.
    Set<String> left = benchDirs();
    left.removeAll(benchDirsBefore);
    assertThat(left.stream().filter(BenchPaperQuickIT::abandoned).toList())
        .as("benchmark directories left behind")
        .isEmpty();
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      assertThat(
              all.filter(p -> LeakAudit.isMonitor(p.pid()))
                  .filter(p -> left.stream().anyMatch(d -> argsOf(p).contains(d + "/")))
                  .filter(
                      p ->
                          left.stream()
                              .filter(d -> argsOf(p).contains(d + "/"))
                              .anyMatch(BenchPaperQuickIT::abandoned))
                  .toList())
          .as("guest monitors left running")
          .isEmpty();
    }
  }

  /** Whether a benchmark directory's owner lock is free (its run is over). */
  private static boolean abandoned(String dir) {
    Path lock = Path.of(dir, "owner.lock");
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
      return ch.tryLock() != null;
    } catch (IOException e) {
      return false; // gone meanwhile, or not ours (no lock file)
    }
  }

  /**
   * A run killed with SIGKILL mid-experiment (its guests running, its cleanup never run) is cleaned
   * up by the next run: guests deleted, monitors gone, directory removed.
   */
  @Test
  void aKilledRunIsCleanedUpByTheNext() throws Exception {
    Set<String> before = benchDirs();
    Path err = out.resolve("killed.err");
    Process killed =
        new ProcessBuilder(
                Cli.command(
                    "bench",
                    "paper",
                    "--quick",
                    "--only",
                    "density",
                    "--out",
                    out.resolve("killed").toString()))
            .redirectInput(new File("/dev/null"))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(err.toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (!Files.readString(err).contains("timing list") && killed.isAlive()) {
        assertThat(System.nanoTime()).as("density never got its guests up").isLessThan(deadline);
        Thread.sleep(200);
      }
    } finally {
      killed.destroyForcibly().waitFor();
    }
    Set<String> orphaned = benchDirs();
    orphaned.removeAll(before);
    orphaned.removeIf(d -> !abandoned(d));
    assertThat(orphaned).as("the killed run's directory\n" + Files.readString(err)).hasSize(1);
    String dir = orphaned.iterator().next();
    assertThat(monitorsUnder(dir)).as("the killed run's guests still run").isNotEmpty();

    Run next =
        run(
            "bench",
            "paper",
            "--quick",
            "--only",
            "micro",
            "--out",
            out.resolve("next").toString());
    assertThat(next.code()).as(next.err()).isZero();
    assertThat(next.err()).contains("cleaned up an abandoned run: " + dir);
    assertThat(Path.of(dir)).doesNotExist();
    assertThat(monitorsUnder(dir)).isEmpty();
    assertThat(withRootOf(dir)).as("processes of the killed run (its jvs serve)").isEmpty();
  }

  /** Processes whose environment names the run's JVS_ROOT. */
  private static List<Long> withRootOf(String dir) {
    String mark = "JVS_ROOT=" + dir + "/root\0";
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(
              p -> {
                try {
                  return Files.readString(
                          Path.of("/proc/" + p.pid() + "/environ"), StandardCharsets.ISO_8859_1)
                      .contains(mark);
                } catch (IOException e) {
                  return false;
                }
              })
          .map(ProcessHandle::pid)
          .toList();
    }
  }

  private static List<Long> monitorsUnder(String dir) {
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(p -> LeakAudit.isMonitor(p.pid()))
          .filter(p -> argsOf(p).contains(dir + "/"))
          .map(ProcessHandle::pid)
          .toList();
    }
  }

  @Test
  void anUnknownExperimentIsAOneLineErrorNamingIt() throws Exception {
    Run r = run("bench", "paper", "--only", "micro,nosuch", "--out", out.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err().strip().lines().toList()).hasSize(1);
    assertThat(r.err())
        .contains("nosuch")
        .contains("(there are: micro, disk, ")
        .contains("density");
    assertThat(out.resolve("micro.csv")).doesNotExist();
  }

  private record Run(int code, String err) {}

  private static String argsOf(ProcessHandle p) {
    return p.info().arguments().map(a -> String.join(" ", a)).orElse("");
  }

  private Run run(String... args) throws IOException, InterruptedException {
    Path err = Files.createTempFile("jvs-paper-it", ".err");
    try {
      Process p =
          new ProcessBuilder(Cli.command(args))
              .redirectInput(new File("/dev/null"))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        p.destroy();
        p.waitFor(60, TimeUnit.SECONDS);
        throw new AssertionError("jvs bench paper hung:\n" + Files.readString(err));
      }
      return new Run(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(err);
    }
  }

  private static Set<String> benchDirs() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/tmp"))) {
      return new HashSet<>(
          s.filter(p -> p.getFileName().toString().startsWith("jvs-bench-"))
              .map(Path::toString)
              .toList());
    }
  }
}
