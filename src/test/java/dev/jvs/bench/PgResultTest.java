package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.jvs.base.JvsException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PgResultTest {

  private static final long T0 = 1_796_000_000_000_000L; // epoch microseconds

  @Test
  void throughputAndPercentilesCoverTheWindowInWhichAllRunsRan() {
    // a ends a transaction every 10 ms from 0.01 s to 1.0 s, b from 0.51 s to 1.5 s: both ran
    // from 0.51 s to 1.0 s, where a's latencies are 51-100 ms and b's 1-50 ms
    String a = "tps 100\n" + run(0, 1, 100);
    String b = "noise from stderr\ntps 100\n" + run(500_000, 1, 100);
    PgResult r = PgResult.merge(List.of(a, b));
    assertThat(r.transactions()).isEqualTo(100);
    assertThat(r.tps()).isCloseTo(100 / 0.49, within(1e-9));
    assertThat(r.p50()).isEqualTo(50.0);
    assertThat(r.p95()).isEqualTo(95.0);
    assertThat(r.p99()).isEqualTo(99.0);
  }

  @Test
  void runsThatNeverOverlapAreAnError() {
    assertThatThrownBy(
            () ->
                PgResult.merge(List.of("tps 1\n" + run(0, 1, 10), "tps 1\n" + run(500_000, 1, 10))))
        .isInstanceOf(JvsException.class)
        .hasMessageContaining("never all ran at once");
  }

  /** Transactions FROM..TO: latency N ms, ending at OFFSET + N * 10 ms. */
  private static String run(long offsetMicros, int from, int to) {
    return IntStream.rangeClosed(from, to)
        .mapToObj(n -> "lat " + n * 1000 + " " + (T0 + offsetMicros + n * 10_000L))
        .collect(joined());
  }

  @Test
  void anOutputWithoutThroughputIsAnErrorNamingIt() {
    assertThatThrownBy(() -> PgResult.merge(List.of("pgbench: connection refused\nlat 5 " + T0)))
        .isInstanceOf(JvsException.class)
        .hasMessageContaining("no tps line")
        .hasMessageContaining("connection refused");
  }

  private static java.util.stream.Collector<CharSequence, ?, String> joined() {
    return Collectors.joining("\n", "", "\n");
  }
}
