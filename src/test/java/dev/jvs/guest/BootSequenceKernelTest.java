package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Autostart after a (simulated) reboot and shutdown in reverse order (boot.* keys). */
@Tag("kernel")
class BootSequenceKernelTest {

  @Test
  void aRebootStartsTheAutostartGuestsInOrderAndShutdownStopsThemInReverse() throws Exception {
    try (TestHost host = new TestHost()) {
      Guests guests = host.guests();
      for (var g :
          List.of(Map.entry("late", "20"), Map.entry("early", "-5"), Map.entry("middle", "10"))) {
        GuestName name = GuestName.of(g.getKey());
        guests.build(name, "busybox");
        guests.set(
            name,
            Map.of("boot.autostart", "true", "boot.order", g.getValue(), "boot.delay", "200ms"));
      }
      guests.build(GuestName.of("manual"), "busybox");

      // a fresh $JVS_RUN stands for a reboot: the first service start since it, not the next
      assertThat(BootId.firstSinceBoot(host.dirs())).isTrue();
      assertThat(BootId.firstSinceBoot(host.dirs())).isFalse();

      List<String> log = new ArrayList<>();
      assertThat(new BootSequence(guests, log::add).startAll()).isZero();
      List<GuestStatus> running =
          guests.list().stream().filter(s -> s.state() == GuestStatus.State.RUNNING).toList();
      assertThat(running)
          .extracting(GuestStatus::name)
          .containsExactlyInAnyOrder("early", "middle", "late");
      // started in boot.order, each boot.delay after the previous one
      List<GuestStatus> byStart =
          running.stream().sorted(Comparator.comparing(GuestStatus::uptime).reversed()).toList();
      assertThat(byStart).extracting(GuestStatus::name).containsExactly("early", "middle", "late");
      assertThat(byStart.get(0).uptime().minus(byStart.get(2).uptime()).toMillis())
          .isGreaterThanOrEqualTo(400);
      // running again starts nothing new
      assertThat(new BootSequence(guests, log::add).startAll()).isZero();
      assertThat(guests.status(GuestName.of("manual")).state())
          .isEqualTo(GuestStatus.State.STOPPED);

      assertThat(new BootSequence(guests, log::add).stopAll()).isZero();
      assertThat(guests.list()).allMatch(s -> s.state() == GuestStatus.State.STOPPED);
      // each stopped guest's init went down by its stop signal, in reverse boot order
      List<Long> stoppedAt = new ArrayList<>();
      for (String n : List.of("late", "middle", "early")) {
        stoppedAt.add(
            Files.getLastModifiedTime(host.dirs().runGuest(GuestName.of(n)).resolve("console.log"))
                .toMillis());
      }
      assertThat(stoppedAt).isSorted();
    }
  }
}
