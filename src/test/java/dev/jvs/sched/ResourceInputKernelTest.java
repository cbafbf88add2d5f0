package dev.jvs.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.guest.GuestName;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Bad resource input (acceptance 9): one-line errors, guest.conf unchanged. */
@Tag("kernel")
class ResourceInputKernelTest {

  @Test
  void reservationsOverTheHostsCapacityAreRefusedAndChangeNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      int capacity = 100 * Runtime.getRuntime().availableProcessors();
      GuestName a = GuestName.of("a");
      GuestName b = GuestName.of("b");
      host.guests().build(a, "busybox");
      host.guests().build(b, "busybox");
      host.guests().set(a, Map.of("cpu.reserve", Integer.toString(capacity - 50)));
      Path conf = host.dirs().guest(b).resolve("guest.conf");
      String before = Files.readString(conf);
      assertThatThrownBy(() -> host.guests().set(b, Map.of("cpu.reserve", "60", "pids.max", "10")))
          .hasMessage(
              "b: cpu.reserve: 60 would bring all guests' reservations to "
                  + (capacity + 10)
                  + "%, above this host's capacity of "
                  + capacity
                  + "%");
      assertThat(Files.readString(conf)).isEqualTo(before);
      host.guests().set(b, Map.of("cpu.reserve", "50"));
      assertThat(host.guests().config(b).resources()).containsEntry("cpu.reserve", "50");
    }
  }

  @Test
  void badValuesAreOneLineErrorsThatChangeNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("web1");
      host.guests().build(g, "busybox");
      host.guests().set(g, Map.of("memory.rss", "64M"));
      Path conf = host.dirs().guest(g).resolve("guest.conf");
      String before = Files.readString(conf);
      assertThatThrownBy(() -> host.guests().set(g, Map.of("cpu.share", "0")))
          .hasMessage("web1: cpu.share: 0 is out of range 2..262144");
      assertThatThrownBy(() -> host.guests().set(g, Map.of("cpu.share", "-3")))
          .hasMessage("web1: cpu.share: -3 is out of range 2..262144");
      assertThatThrownBy(() -> host.guests().set(g, Map.of("memory.anon", "128M")))
          .hasMessageContaining("web1: ")
          .hasMessageContaining("memory.anon (128M) above memory.rss (64M) is meaningless");
      assertThatThrownBy(() -> host.guests().set(g, Map.of("cpu.cpus", "0-63")))
          .hasMessageStartingWith("web1: cpu.cpus: CPU ")
          .hasMessageContaining("does not exist");
      assertThatThrownBy(() -> host.guests().set(g, Map.of("memory.reset", "reboot")))
          .hasMessage("web1: memory.reset: expected stop or restart, found 'reboot'");
      assertThat(Files.readString(conf)).isEqualTo(before);
    }
  }
}
