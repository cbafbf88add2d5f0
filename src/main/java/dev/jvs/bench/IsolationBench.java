package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.Hierarchies;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * `jvs bench isolation`, the paper's "under attack" experiment: a CPU-bound reference workload in
 * guest A, timed alone and while guest B runs a fork bomb, a memory hog and a disk writer, each
 * held by B's own limits (pids.max, memory.rss, cpu.share).
 */
public final class IsolationBench {
  /** The guests' limits: equal shares, and B's attacks stop at its own ceilings. */
  static final Map<String, String> LIMITS =
      Map.of("pids.max", "128", "memory.rss", "256M", "memory.swap", "0");

  static final List<Attack> ATTACKS =
      List.of(
          new Attack("fork bomb", "f() { f & f & }; while :; do f 2>/dev/null; sleep 0.01; done"),
          new Attack(
              "memory hog", "while :; do head -c 600M /dev/zero | tail -c 500M >/dev/null; done"),
          new Attack(
              "disk writer",
              "while :; do dd if=/dev/zero of=/jvs-bench.dat bs=1M count=256 conv=fsync 2>/dev/null;"
                  + " rm -f /jvs-bench.dat; done"));

  /** Busybox shell arithmetic: CPU-bound, no I/O, about a second on the development machine. */
  static final String REFERENCE = "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done";

  /** One attack by a shell script in guest B. */
  public record Attack(String name, String script) {}

  /**
   * A's median times, per row: with B idle (the baseline), and for each attack with B frozen
   * (cgroup freezer) and running, interleaved run by run so that drifting load elsewhere on the
   * host hits both columns alike.
   */
  public record Result(
      List<String> labels,
      List<Duration> paused,
      List<Duration> attacked,
      List<Slowdown> slowdowns) {}

  /**
   * A's slowdown from the pairs (B frozen, B running) run back to back: the median of the pairs'
   * ratios and their quartiles. Pairing cancels what drifts between rows on a shared or virtualized
   * host (the same workload alone varies by tens of percent from minute to minute).
   */
  public record Slowdown(double median, double lowerQuartile, double upperQuartile) {
    static Slowdown of(long[] frozen, long[] running) {
      double[] r = new double[frozen.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = (double) running[i] / frozen[i] - 1;
      }
      Quartiles q = Quartiles.of(r);
      return new Slowdown(q.median(), q.lower(), q.upper());
    }
  }

  private final BenchHost host;
  private final Consumer<String> progress;

  public IsolationBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  public Result run(int runs) throws InterruptedException {
    Guests guests = host.guests();
    GuestName a = GuestName.of("jvs-ref");
    GuestName b = GuestName.of("jvs-attacker");
    for (GuestName g : List.of(a, b)) {
      guests.build(g, "busybox");
      guests.set(g, LIMITS);
      guests.start(g, List.of(), Guests.Attach.DETACHED);
    }
    host.outweighTheHost();
    List<String> labels = new ArrayList<>();
    List<Duration> paused = new ArrayList<>();
    List<Duration> attacked = new ArrayList<>();
    List<Slowdown> slowdowns = new ArrayList<>();
    median(a, 2); // warm-up
    labels.add("A alone (B idle)");
    Duration alone = median(a, runs);
    paused.add(alone);
    attacked.add(alone);
    slowdowns.add(new Slowdown(0, 0, 0));
    progress.accept("A alone: " + alone.toMillis() + " ms");
    for (Attack attack : ATTACKS) {
      host.checkOpen();
      Thread t =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      guests.exec(
                          b, List.of("sh", "-c", attack.script()), false, Launcher.Stdio.none());
                    } catch (JvsException ignored) {
                      // ended by the restart below
                    }
                  });
      Thread.sleep(3000);
      long[] frozen = new long[runs];
      long[] running = new long[runs];
      String cgroup = guests.status(b).cgroup();
      Hierarchies hierarchies = Hierarchies.probe();
      for (int i = 0; i < runs; i++) {
        // Alternating which half of a pair goes first cancels a trend within the pair.
        for (boolean frozenTurn : i % 2 == 0 ? List.of(true, false) : List.of(false, true)) {
          hierarchies.freeze(cgroup, frozenTurn);
          Thread.sleep(1000); // let B's in-flight work (writeback) drain, or B get going again
          (frozenTurn ? frozen : running)[i] = once(a);
        }
      }
      hierarchies.freeze(cgroup, false);
      labels.add("A while B runs a " + attack.name());
      paused.add(median(frozen));
      attacked.add(median(running));
      slowdowns.add(Slowdown.of(frozen, running));
      progress.accept(
          labels.getLast()
              + ": "
              + attacked.getLast().toMillis()
              + " ms (B frozen: "
              + paused.getLast().toMillis()
              + " ms)");
      guests.stop(b, Duration.ZERO); // ends every process of the attack
      t.join(10_000);
      guests.start(b, List.of(), Guests.Attach.DETACHED);
    }
    return new Result(labels, paused, attacked, slowdowns);
  }

  private Duration median(GuestName g, int runs) {
    long[] nanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      nanos[i] = once(g);
    }
    return median(nanos);
  }

  private static Duration median(long[] nanos) {
    return Duration.ofNanos(Quartiles.median(nanos));
  }

  private long once(GuestName g) {
    long t0 = System.nanoTime();
    int code = host.guests().exec(g, List.of("sh", "-c", REFERENCE), false, Launcher.Stdio.none());
    if (code != 0) {
      throw new JvsException("reference workload exited with " + code);
    }
    return System.nanoTime() - t0;
  }
}
