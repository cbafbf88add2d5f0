package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PgResultTest {

  @Test
  void mergesThroughputsAndTakesPercentilesOverEveryTransaction() {
    String a =
        "tps 100.5\n"
            + IntStream.rangeClosed(1, 50).mapToObj(i -> "lat " + i * 1000).collect(joined());
    String b =
        "noise from stderr\ntps 200\n"
            + IntStream.rangeClosed(51, 100).mapToObj(i -> "lat " + i * 1000).collect(joined());
    PgResult r = PgResult.merge(List.of(a, b));
    assertThat(r.tps()).isEqualTo(300.5);
    assertThat(r.transactions()).isEqualTo(100);
    assertThat(r.p50()).isEqualTo(50.0);
    assertThat(r.p95()).isEqualTo(95.0);
    assertThat(r.p99()).isEqualTo(99.0);
  }

  @Test
  void anOutputWithoutThroughputIsAnErrorNamingIt() {
    assertThatThrownBy(() -> PgResult.merge(List.of("pgbench: connection refused\nlat 5")))
        .isInstanceOf(JvsException.class)
        .hasMessageContaining("no tps line")
        .hasMessageContaining("connection refused");
  }

  private static java.util.stream.Collector<CharSequence, ?, String> joined() {
    return Collectors.joining("\n", "", "\n");
  }
}
