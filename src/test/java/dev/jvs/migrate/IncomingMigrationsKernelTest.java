package dev.jvs.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.testing.TestHost;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The destination's parts of a migration other than a restore (MigrateIT moves whole guests): a
 * warm-up's bytes go nowhere and are bounded, an unknown part or a migration never begun is refused
 * in one line naming the guest, and an abort leaves no staging.
 */
@Tag("kernel")
class IncomingMigrationsKernelTest {

  private static InputStream zeros(int n) {
    return new ByteArrayInputStream(new byte[n]);
  }

  @Test
  void aWarmUpIsDrainedAndBoundedAndOnlyABegunMigrationTakesParts() {
    try (TestHost host = new TestHost()) {
      IncomingMigrations incoming = new IncomingMigrations(host.guests());
      GuestName g = GuestName.of("arriving");
      Path staging = host.dirs().root().resolve("incoming/arriving");

      assertThatThrownBy(() -> incoming.receive(g, IncomingMigrations.WARM_UP, zeros(10)))
          .isInstanceOf(JvsException.class)
          .hasMessage("arriving: no migration of it under way here");

      incoming.begin(g, "busybox", Optional.empty());
      incoming.receive(g, IncomingMigrations.WARM_UP, zeros(4 << 20));
      assertThat(staging.resolve(IncomingMigrations.FILES)).isEmptyDirectory();

      assertThatThrownBy(
              () ->
                  incoming.receive(
                      g, IncomingMigrations.WARM_UP, zeros(IncomingMigrations.WARM_UP_MAX + 1)))
          .isInstanceOf(JvsException.class)
          .hasMessageStartingWith("arriving: a warm-up of more than");
      assertThatThrownBy(() -> incoming.receive(g, "elsewhere", zeros(10)))
          .isInstanceOf(JvsException.class)
          .hasMessage("arriving: no such part of a migration: elsewhere");

      incoming.abort(g);
      assertThat(Files.exists(staging)).isFalse();
      assertThat(host.guests().list()).isEmpty();
    }
  }
}
