package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import dev.jvs.testing.CgroupFiles;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `jvs bench isolation`'s attacker: jvs-lmprobe's fork bomb keeps pressing on its guest's pids.max
 * for as long as it runs, where a shell's bomb gives up at the first refused fork.
 */
@Tag("kernel")
class ForkBombKernelTest {
  private static final int LIMIT = 16;

  @Test
  void theForkBombStaysAtItsGuestsProcessLimitAndKeepsForking() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName b = GuestName.of("bomb");
      host.guests().build(b, "busybox");
      host.guests().set(b, Map.of("pids.max", String.valueOf(LIMIT)));
      Path probe =
          LmProbe.build(
              host.base().resolve("probe"),
              new HostCommands(Map.of(), Files.createTempFile(host.base(), "gcc", ".err")));
      Files.copy(probe, host.dirs().guest(b).resolve("upper").resolve("jvs-lmprobe"));
      host.guests().start(b, List.of(), Guests.Attach.DETACHED);
      String cgroup = host.guests().status(b).cgroup();
      Thread bomb =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      host.guests()
                          .exec(
                              b, List.of("/jvs-lmprobe", "forkbomb"), false, Launcher.Stdio.none());
                    } catch (JvsException ignored) {
                      // ended by the stop below
                    }
                  });
      Thread.sleep(3000);
      long refused = refusedForks(cgroup);
      assertThat(processes(cgroup)).isEqualTo(LIMIT);
      Thread.sleep(1000);
      // Still at the limit a second later, and still being refused forks.
      assertThat(processes(cgroup)).isEqualTo(LIMIT);
      assertThat(refusedForks(cgroup)).isGreaterThan(refused);
      host.guests().stop(b, Duration.ZERO);
      bomb.join(10_000);
      assertThat(bomb.isAlive()).isFalse();
      host.guests().delete(b, false);
    }
  }

  private static int processes(String cgroup) {
    return Integer.parseInt(CgroupFiles.read(cgroup, "pids", "pids.current", "pids.current"));
  }

  /** pids.events' "max N": how many forks the limit refused. */
  private static long refusedForks(String cgroup) {
    String events = CgroupFiles.read(cgroup, "pids", "pids.events", "pids.events");
    return events
        .lines()
        .filter(l -> l.startsWith("max "))
        .mapToLong(l -> Long.parseLong(l.substring(4).strip()))
        .findFirst()
        .orElseThrow();
  }
}
