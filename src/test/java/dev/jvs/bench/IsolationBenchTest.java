package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import java.nio.file.Path;
import java.util.List;
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

  @Test
  void theHostProcessesRunTheGuestsAttacksWithTheSameBinaries() {
    Path busybox = Path.of("/t/rootfs/bin/busybox");
    Path probe = Path.of("/t/probe/jvs-lmprobe");
    for (IsolationBench.Attack attack : IsolationBench.ATTACKS) {
      List<String> host = NativeIsolation.hostArgv(attack, busybox, probe);
      List<String> guest = attack.argv();
      if (guest.getFirst().equals("sh")) {
        assertThat(host.subList(0, 2)).containsExactly(busybox.toString(), "sh");
        assertThat(host.subList(2, host.size())).isEqualTo(guest.subList(1, guest.size()));
      } else {
        assertThat(host).containsExactly(probe.toString(), "forkbomb");
      }
    }
    assertThatThrownBy(
            () ->
                NativeIsolation.hostArgv(
                    new IsolationBench.Attack("x", List.of("/bin/true"), false, true),
                    busybox,
                    probe))
        .hasMessage("no host path for /bin/true");
  }
}
