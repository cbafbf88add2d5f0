package dev.jvs.bench;

import java.util.List;
import java.util.Map;

/**
 * What a macro experiment compares: per system after native and per row, the ratio of each round's
 * cost to native's in the same round, as a geometric mean with its 95 % interval ({@link
 * MeanInterval#ofRatios}). Rounds are paired because they are interleaved: the host's drift hits
 * both sides of a ratio alike.
 */
final class CostRatios {
  /** A row's cost in one round's result, lower is better. */
  interface Cost<R> {
    double of(R result, int row);
  }

  private final List<String> compared;
  private final double[][] mean;
  private final double[][] low;
  private final double[][] high;

  private CostRatios(List<String> compared, double[][] mean, double[][] low, double[][] high) {
    this.compared = compared;
    this.mean = mean;
    this.low = low;
    this.high = high;
  }

  /**
   * {@code names} starts with "native"; {@code results} holds each system's results by round, all
   * of the same length.
   */
  static <R> CostRatios of(
      List<String> names, Map<String, List<R>> results, int rows, Cost<R> cost) {
    List<String> compared = names.subList(1, names.size());
    List<R> nativeResults = results.get(names.get(0));
    double[][] mean = new double[compared.size()][rows];
    double[][] low = new double[compared.size()][rows];
    double[][] high = new double[compared.size()][rows];
    for (int s = 0; s < compared.size(); s++) {
      List<R> system = results.get(compared.get(s));
      for (int i = 0; i < rows; i++) {
        double[] ratios = new double[nativeResults.size()];
        for (int r = 0; r < ratios.length; r++) {
          ratios[r] = cost.of(system.get(r), i) / cost.of(nativeResults.get(r), i);
        }
        double[] m = MeanInterval.ofRatios(ratios);
        mean[s][i] = m[0];
        low[s][i] = m[1];
        high[s][i] = m[2];
      }
    }
    return new CostRatios(compared, mean, low, high);
  }

  /** The systems compared with native, in the order of the names. */
  List<String> compared() {
    return compared;
  }

  /** {mean, low, high} of {@code system}'s ratio to native in {@code row}. */
  double[] of(int system, int row) {
    return new double[] {mean[system][row], low[system][row], high[system][row]};
  }

  /** The ratios as bars with their intervals, one group a row, native's 1.0 drawn as a line. */
  BarChart chart(String title, String axis, List<String> rows) {
    return new BarChart(title, axis, rows, compared, mean, low, high, 1.0);
  }
}
