package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Times contenders in interleaved rounds, so that load from elsewhere on the machine falls on all
 * of them alike rather than on whichever ran during a busy spell. Each round starts one contender
 * further along, so no contender always runs right after the same other one.
 */
final class RoundRobin {
  private final int warmupRounds;
  private final int runs;
  private final Consumer<String> progress;

  RoundRobin(int warmupRounds, int runs, Consumer<String> progress) {
    this.warmupRounds = warmupRounds;
    this.runs = runs;
    this.progress = progress;
  }

  /** The latency of each contender, in the order given. */
  List<Latency> measure(List<Contender> contenders, Runnable checkOpen) {
    int n = contenders.size();
    long[][] nanos = new long[n][runs];
    for (int round = -warmupRounds; round < runs; round++) {
      checkOpen.run();
      for (int k = 0; k < n; k++) {
        int i = Math.floorMod(round + k, n);
        long elapsed = time(contenders.get(i));
        if (round >= 0) {
          nanos[i][round] = elapsed;
        }
      }
      if (round >= 0 && (round + 1) % 5 == 0) {
        progress.accept("round " + (round + 1) + "/" + runs);
      }
    }
    List<Latency> out = new ArrayList<>(n);
    for (long[] samples : nanos) {
      out.add(Latency.of(samples));
    }
    return out;
  }

  private static long time(Contender c) {
    long start = System.nanoTime();
    try {
      c.trial().run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(c.label() + ": interrupted");
    } catch (Exception e) {
      throw new JvsException(c.label() + ": " + e.getMessage(), e);
    }
    return System.nanoTime() - start;
  }
}
