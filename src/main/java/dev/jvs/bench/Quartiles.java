package dev.jvs.bench;

import java.util.Arrays;

/**
 * The median of a sample with its lower and upper quartiles: how benchmarks report paired ratios,
 * whose spread on a shared machine is as telling as their middle.
 */
public record Quartiles(double median, double lower, double upper) {
  public static Quartiles of(double[] sample) {
    if (sample.length == 0) {
      throw new IllegalArgumentException("no sample");
    }
    double[] s = sample.clone();
    Arrays.sort(s);
    int q = (s.length - 1) / 4;
    return new Quartiles(s[s.length / 2], s[q], s[s.length - 1 - q]);
  }

  /** The middle value of a sample (the upper one of an even sample), as {@link #of} takes it. */
  public static long median(long[] sample) {
    if (sample.length == 0) {
      throw new IllegalArgumentException("no sample");
    }
    long[] s = sample.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
