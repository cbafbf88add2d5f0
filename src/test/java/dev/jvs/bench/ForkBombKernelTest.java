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
 * `jvs bench isolation`'s attacker: jvs-lmprobe's fork bomb keeps pressing on its guest's process
 * limit for as long as it runs, where a shell's bomb gives up at the first refused fork. A
 * privileged guest's forks are refused by the pids controller; an unprivileged guest's by its
 * RLIMIT_NPROC first, which jvs sets to its pids.max (and raises live with it).
 */
@Tag("kernel")
class ForkBombKernelTest {
  private static final int LIMIT = 16;
  private static final int RAISED = 24;

  @Test
  void theForkBombStaysAtItsGuestsProcessLimitAndKeepsForking() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName b = GuestName.of("bomb");
      try (Bomb bomb = new Bomb(host, b, Map.of("security.privileged", "true"))) {
        // Still at the limit a second later, and still being refused forks.
        assertThat(refusalsWhileHeldAt(bomb.cgroup, LIMIT, 1000)).isPositive();
      }
      host.guests().delete(b, false);
    }
  }

  /**
   * The same bomb in an unprivileged guest stays at its limit with no fork refused by the pids
   * controller: RLIMIT_NPROC refused them earlier. `jvs set pids.max` raises both at once.
   */
  @Test
  void anUnprivilegedGuestsForksAreRefusedByItsProcessRlimitBeforeThePidsController()
      throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName b = GuestName.of("bomb-u");
      try (Bomb bomb = new Bomb(host, b, Map.of("security.privileged", "false"))) {
        assertThat(refusalsWhileHeldAt(bomb.cgroup, LIMIT, 2000)).isZero();

        host.guests().set(b, Map.of("pids.max", String.valueOf(RAISED)));
        Thread.sleep(2000);
        assertThat(refusalsWhileHeldAt(bomb.cgroup, RAISED, 2000)).isZero();

        // Guest root still gets in at the limit, and can end the bomb.
        for (int i = 0; i < 10; i++) {
          assertThat(host.guests().exec(b, List.of("true"), false, Launcher.Stdio.none())).isZero();
        }
        assertThat(host.guests().exec(b, List.of("kill", "-9", "-1"), false, Launcher.Stdio.none()))
            .isZero();
        long deadline = System.nanoTime() + 5_000_000_000L; // the killed are reaped by then
        while (processes(bomb.cgroup) > 1 && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(processes(bomb.cgroup)).isEqualTo(1); // init
      }
      host.guests().delete(b, false);
    }
  }

  /** jvs-lmprobe's fork bomb running in guest {@code b} (limited to LIMIT), until close. */
  private static final class Bomb implements AutoCloseable {
    private final TestHost host;
    private final GuestName b;
    private final Thread thread;
    final String cgroup;

    Bomb(TestHost host, GuestName b, Map<String, String> mode) throws Exception {
      this.host = host;
      this.b = b;
      host.guests().build(b, "busybox");
      host.guests().set(b, mode);
      host.guests().set(b, Map.of("pids.max", String.valueOf(LIMIT)));
      Path probe =
          LmProbe.build(
              host.base().resolve("probe"),
              new HostCommands(Map.of(), Files.createTempFile(host.base(), "gcc", ".err")));
      Path inGuest = host.dirs().guest(b).resolve("upper").resolve("jvs-lmprobe");
      Files.copy(probe, inGuest);
      host.guests().start(b, List.of(), Guests.Attach.DETACHED);
      cgroup = host.guests().status(b).cgroup();
      thread =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      host.guests()
                          .exec(
                              b, List.of("/jvs-lmprobe", "forkbomb"), false, Launcher.Stdio.none());
                    } catch (JvsException ignored) {
                      // ended by the stop in close
                    }
                  });
      Thread.sleep(3000);
    }

    @Override
    public void close() throws Exception {
      host.guests().stop(b, Duration.ZERO);
      thread.join(10_000);
      assertThat(thread.isAlive()).isFalse();
    }
  }

  /**
   * Checks the guest holds {@code count} processes now and {@code millis} later; returns how many
   * forks the pids controller refused in between.
   */
  private static long refusalsWhileHeldAt(String cgroup, int count, long millis)
      throws InterruptedException {
    long refused = refusedForks(cgroup);
    assertThat(processes(cgroup)).isEqualTo(count);
    Thread.sleep(millis);
    assertThat(processes(cgroup)).isEqualTo(count);
    return refusedForks(cgroup) - refused;
  }

  private static int processes(String cgroup) {
    return Integer.parseInt(CgroupFiles.read(cgroup, "pids", "pids.current", "pids.current"));
  }

  /** pids.events' "max N": how many forks the pids controller refused. */
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
