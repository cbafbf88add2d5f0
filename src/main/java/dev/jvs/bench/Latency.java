package dev.jvs.bench;

import java.util.Arrays;

/** Median and 90th percentile of one contender's timed runs, in milliseconds. */
public record Latency(double medianMillis, double p90Millis, int runs) {

  /** Summarizes wall-clock durations given in nanoseconds. */
  public static Latency of(long[] nanos) {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    // Nearest-rank percentile: the smallest sample with at least 90% of samples at or below it.
    long p90 = sorted[(int) Math.ceil(0.9 * n) - 1];
    return new Latency(median / 1e6, p90 / 1e6, n);
  }
}
