package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import org.junit.jupiter.api.Test;

class IsolationBenchTest {
  @Test
  void theReferenceTimesItselfByTheGuestsUptime() {
    assertThat(IsolationBench.elapsedNanos("12.34 13.40\n")).isEqualTo(1_060_000_000L);
    assertThat(IsolationBench.elapsedNanos("0.05 0.05")).isZero();
  }

  @Test
  void anythingButTwoUptimesIsNamedInTheError() {
    for (String said : new String[] {"", "12.34", "sh: can't fork", "1.0 x"}) {
      assertThatThrownBy(() -> IsolationBench.elapsedNanos(said))
          .isInstanceOf(JvsException.class)
          .hasMessageContaining("expected two uptimes, got '" + said + "'");
    }
  }
}
