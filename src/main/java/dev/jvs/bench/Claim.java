package dev.jvs.bench;

/**
 * One measured figure next to what the paper (or the goal) claims for it.
 *
 * @param experiment the experiment that measured it
 * @param row what was measured, e.g. "fork: jvs / native"
 * @param claim the paper's claim or the goal, in words
 * @param measured the figure (a ratio, a rate, a size)
 * @param low lower end of its 95 % confidence interval, NaN when there is none
 * @param high upper end, NaN when there is none
 * @param goal the bound the claim sets
 * @param higherIsBetter whether the figure must reach {@code goal} (a rate) rather than stay below
 *     it (a cost ratio)
 * @param unit how the figure reads: "x" for ratios, "starts/s", "KiB"
 */
public record Claim(
    String experiment,
    String row,
    String claim,
    double measured,
    double low,
    double high,
    double goal,
    boolean higherIsBetter,
    String unit) {

  public static Claim ratio(
      String experiment, String row, String claim, double[] meanLowHigh, double goal) {
    return new Claim(
        experiment, row, claim, meanLowHigh[0], meanLowHigh[1], meanLowHigh[2], goal, false, "x");
  }

  /** Whether the figure meets the claim; never for a figure that could not be measured (NaN). */
  public boolean met() {
    return higherIsBetter ? measured >= goal : measured <= goal;
  }

  /** A plain verdict: where jvs is ahead of the claim or behind it, and by how much. */
  public String verdict() {
    if (!Double.isFinite(measured)) {
      return "not measurable in this run";
    }
    double by = higherIsBetter ? measured / goal : goal / measured;
    if (met()) {
      return by >= 1.005 ? String.format("ahead (%.2fx better than the goal)", by) : "meets it";
    }
    boolean reachable = higherIsBetter ? high >= goal : low <= goal;
    return String.format("BEHIND (%.2fx short of the goal)", 1 / by)
        + (reachable ? ", but the interval reaches it: noise" : "");
  }

  public String figure() {
    String value = format(measured) + (unit.equals("x") ? "x" : " " + unit);
    return Double.isFinite(low) && Double.isFinite(high)
        ? value + " [" + format(low) + ", " + format(high) + "]"
        : value;
  }

  private static String format(double v) {
    if (!Double.isFinite(v)) {
      return "n/a";
    }
    return Math.abs(v) >= 100 ? String.format("%.0f", v) : String.format("%.3f", v);
  }
}
