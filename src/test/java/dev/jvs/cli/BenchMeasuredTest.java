package dev.jvs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A bench's figures outlive a failed cleanup: they are printed, then the failure is the exit. */
class BenchMeasuredTest {
  @Test
  void aCleanCleanupExitsZero() {
    assertThat(new BenchCommand.Measured<>("figures", Optional.empty()).exitAfterPrinting())
        .isZero();
  }

  @Test
  void aFailedCleanupIsThrownOnlyWhenTheFiguresAreOut() {
    var measured =
        new BenchCommand.Measured<>(
            "figures", Optional.<RuntimeException>of(new JvsException("cleanup: left a mount")));
    assertThat(measured.result()).isEqualTo("figures");
    assertThatThrownBy(measured::exitAfterPrinting)
        .isInstanceOf(JvsException.class)
        .hasMessage("cleanup: left a mount");
  }
}
