package dev.jvs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * `jvs bench paper`: runs the selected experiments one after the other, each on a fresh {@link
 * BenchHost}, writing DIR/NAME.csv, its figures and DIR/NAME.claims.json (written last: its
 * presence marks the experiment finished, so a rerun skips it), then the report from every finished
 * experiment in DIR.
 */
public final class PaperBench {
  private static final String LOCK = ".jvs-paper.lock";

  private final Path out;
  private final boolean quick;
  private final boolean force;
  private final Path initBinary;
  private final Consumer<String> progress;

  public PaperBench(
      Path out, boolean quick, boolean force, Path initBinary, Consumer<String> progress) {
    this.out = out.toAbsolutePath();
    this.quick = quick;
    this.force = force;
    this.initBinary = initBinary;
    this.progress = progress;
  }

  /** Runs what is not finished yet and writes the report; returns the report's path. */
  public Path run(List<PaperExperiment> experiments) {
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UncheckedIOException(out + ": " + e.getMessage(), e);
    }
    try (FileChannel lockFile =
            FileChannel.open(
                out.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.tryLock()) {
      if (lock == null) {
        throw new JvsException(out + ": another `jvs bench paper` is writing here");
      }
      List<String> reclaimed = BenchHost.reclaimAbandoned(initBinary);
      reclaimed.forEach(r -> progress.accept("cleaned up an abandoned run: " + r));
      runAll(experiments);
      // every experiment finished here, not only those just run: `--only X --force` redoes X
      return new PaperReport(out).write(PaperExperiments.all());
    } catch (IOException e) {
      throw new UncheckedIOException(out.resolve(LOCK) + ": " + e.getMessage(), e);
    }
  }

  private void runAll(List<PaperExperiment> experiments) {
    List<PaperExperiment> todo = new ArrayList<>();
    for (PaperExperiment e : experiments) {
      if (!force && Files.exists(claimsFile(out, e.name()))) {
        progress.accept(e.name() + ": finished in " + out + " already (--force reruns it)");
      } else {
        todo.add(e);
      }
    }
    Duration left = todo.stream().map(e -> e.estimate(quick)).reduce(Duration.ZERO, Duration::plus);
    long started = System.nanoTime();
    for (int i = 0; i < todo.size(); i++) {
      PaperExperiment e = todo.get(i);
      Machine machine = Machine.now();
      progress.accept(
          String.format(
              "[%d/%d] %s: %s (ETA %s for the rest)",
              i + 1, todo.size(), e.name(), e.title(), minutes(left)));
      if (machine.busy()) {
        progress.accept(
            String.format(
                "WARNING: load average %.2f on %d CPUs: other work competes, figures will be"
                    + " noisy",
                machine.load1(), machine.cpus()));
      }
      long t0 = System.nanoTime();
      Consumer<String> prefixed = line -> progress.accept("  " + e.name() + ": " + line);
      PaperExperiment.Output o;
      try (BenchHost host = BenchHost.create(initBinary)) {
        o = e.run(host, quick, prefixed);
      } catch (RuntimeException ex) {
        throw ex;
      } catch (Exception ex) {
        throw new JvsException(e.name() + ": " + ex.getMessage(), ex);
      }
      write(e, o);
      left = left.minus(e.estimate(quick));
      if (left.isNegative()) {
        left = Duration.ZERO;
      }
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      progress.accept(
          String.format(
              "[%d/%d] %s done in %s (%s elapsed)",
              i + 1,
              todo.size(),
              e.name(),
              minutes(took),
              minutes(Duration.ofNanos(System.nanoTime() - started))));
    }
  }

  private void write(PaperExperiment e, PaperExperiment.Output o) {
    o.table().write(out.resolve(e.name() + ".csv"));
    o.figures().forEach((name, chart) -> chart.write(out, name));
    Stored stored =
        new Stored(e.name(), e.title(), Machine.now(), o.claims(), o.figures().keySet(), o.notes());
    Path file = claimsFile(out, e.name());
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), stored);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException ex) {
      throw new UncheckedIOException(file + ": " + ex.getMessage(), ex);
    }
  }

  static Path claimsFile(Path dir, String name) {
    return dir.resolve(name + ".claims.json");
  }

  /** What the report reads back of a finished experiment. */
  record Stored(
      String name,
      String title,
      Machine machine,
      List<Claim> claims,
      java.util.Set<String> figures,
      List<String> notes) {}

  private static String minutes(Duration d) {
    long s = d.toSeconds();
    return s < 60 ? s + " s" : (s / 60) + " min " + (s % 60) + " s";
  }
}
