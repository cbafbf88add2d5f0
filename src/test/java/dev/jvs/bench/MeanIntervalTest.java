package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MeanIntervalTest {
  @Test
  void meanAndStudentInterval() {
    double[] m = MeanInterval.of(new double[] {1, 2, 3});
    assertThat(m[0]).isEqualTo(2.0);
    // sd 1, se 1/sqrt(3), t(0.975, 2) = 4.303
    assertThat(m[2] - m[0]).isCloseTo(4.303 / Math.sqrt(3), within(1e-9));
    assertThat(m[0] - m[1]).isCloseTo(m[2] - m[0], within(1e-12));
  }

  @Test
  void ratiosAverageOnTheLogScaleAndStayPositive() {
    double[] m = MeanInterval.ofRatios(new double[] {2, 0.5});
    assertThat(m[0]).isCloseTo(1.0, within(1e-12));
    assertThat(m[1]).isPositive();
    assertThat(m[2]).isGreaterThan(1);
  }

  @Test
  void aSingleValueHasNoInterval() {
    double[] m = MeanInterval.of(new double[] {5});
    assertThat(m[0]).isEqualTo(5.0);
    assertThat(m[1]).isNaN();
    assertThat(m[2]).isNaN();
  }
}
