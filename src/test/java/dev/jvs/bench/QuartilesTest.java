package dev.jvs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class QuartilesTest {
  @Test
  void medianAndQuartilesOfAnUnsortedSample() {
    Quartiles q = Quartiles.of(new double[] {9, 1, 5, 3, 7, 2, 8, 4, 6});
    assertEquals(5, q.median());
    assertEquals(3, q.lower());
    assertEquals(7, q.upper());
  }

  @Test
  void oneValueIsItsOwnMedianAndQuartiles() {
    assertEquals(new Quartiles(2, 2, 2), Quartiles.of(new double[] {2}));
  }

  @Test
  void anEmptySampleIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> Quartiles.of(new double[0]));
  }
}
