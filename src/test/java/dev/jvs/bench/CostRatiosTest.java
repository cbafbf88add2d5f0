package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostRatiosTest {
  /** Row 0 is a result's first number, row 1 its second. */
  private static double cost(double[] result, int row) {
    return result[row];
  }

  @Test
  void eachRoundIsDividedByNativesSameRound() {
    // the host got 10x slower in round 2: paired, every jvs round is 1.1x native's
    Map<String, List<double[]>> results =
        Map.of(
            "native", List.of(new double[] {1, 4}, new double[] {10, 40}),
            "jvs", List.of(new double[] {1.1, 2}, new double[] {11, 20}),
            "runc", List.of(new double[] {2, 4}, new double[] {20, 40}));

    CostRatios ratios =
        CostRatios.of(List.of("native", "jvs", "runc"), results, 2, CostRatiosTest::cost);

    assertThat(ratios.compared()).containsExactly("jvs", "runc");
    assertThat(ratios.of(0, 0)[0]).isCloseTo(1.1, within(1e-9));
    assertThat(ratios.of(0, 1)[0]).isCloseTo(0.5, within(1e-9));
    assertThat(ratios.of(1, 0)[0]).isCloseTo(2.0, within(1e-9));
    assertThat(ratios.of(1, 1)[0]).isCloseTo(1.0, within(1e-9));
    assertThat(ratios.chart("t", "a", List.of("x", "y")).values()[1][0])
        .isCloseTo(2.0, within(1e-9));
  }
}
