package dev.jvs.bench;

/** A sample's mean with its 95 % confidence interval (Student's t, for small samples). */
public final class MeanInterval {
  /** t(0.975, df) for df = 1..30; past that the normal 1.96 is close enough. */
  private static final double[] T975 = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042
  };

  private MeanInterval() {}

  /**
   * The geometric mean of positive ratios with its 95 % interval, {mean, low, high}: computed on
   * their logarithms, where a ratio of 2 and one of 1/2 weigh alike and the interval stays
   * positive.
   */
  public static double[] ofRatios(double[] ratios) {
    double[] logs = new double[ratios.length];
    for (int i = 0; i < ratios.length; i++) {
      logs[i] = Math.log(ratios[i]);
    }
    double[] m = of(logs);
    return new double[] {Math.exp(m[0]), Math.exp(m[1]), Math.exp(m[2])};
  }

  /** {mean, low, high}; low and high are NaN for a single value. */
  public static double[] of(double[] sample) {
    int n = sample.length;
    if (n == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    double mean = 0;
    for (double v : sample) {
      mean += v;
    }
    mean /= n;
    if (n == 1) {
      return new double[] {mean, Double.NaN, Double.NaN};
    }
    double ss = 0;
    for (double v : sample) {
      ss += (v - mean) * (v - mean);
    }
    double half = (n - 1 <= T975.length ? T975[n - 2] : 1.96) * Math.sqrt(ss / (n - 1) / n);
    return new double[] {mean, mean - half, mean + half};
  }
}
