package dev.jvs.bench;

import dev.jvs.base.Trace;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where an in-process start's time goes (docs/architecture.md): the phases {@link Trace} marks
 * along `Guests.start(app, /bin/true)` in the foreground, median of each over many starts.
 */
public final class StartBreakdown {
  private static final GuestName APP = GuestName.of("breakdown");
  private static final int WARMUP = 10;

  private final BenchHost host;
  private final Consumer<String> progress;

  public StartBreakdown(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  /** One phase's median and share of the median total. */
  public record Phase(String name, double medianMillis) {}

  /** Runs {@code runs} timed starts (after warm-up ones); the phases in order, then the total. */
  public List<Phase> run(int runs) {
    Guests guests = host.guests();
    guests.build(APP, "busybox");
    progress.accept("breakdown: " + runs + " in-process starts of /bin/true");
    Map<String, List<Long>> phases = new LinkedHashMap<>();
    long[] totals = new long[runs];
    for (int i = 0; i < WARMUP + runs; i++) {
      Trace.begin();
      long start = System.nanoTime();
      int code =
          guests.start(APP, List.of("/bin/true"), Guests.Attach.FOREGROUND, Launcher.Stdio.none());
      long took = System.nanoTime() - start;
      List<Trace.Phase> marked = Trace.end();
      if (code != 0) {
        throw new IllegalStateException("/bin/true in a guest exited " + code);
      }
      if (i >= WARMUP) {
        totals[i - WARMUP] = took;
        marked.forEach(
            p -> phases.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p.nanos()));
      }
    }
    List<Phase> out = new ArrayList<>();
    phases.forEach(
        (name, nanos) ->
            out.add(
                new Phase(
                    name,
                    Quartiles.median(nanos.stream().mapToLong(Long::longValue).toArray()) / 1e6)));
    out.add(new Phase("total", Quartiles.median(totals) / 1e6));
    return out;
  }
}
