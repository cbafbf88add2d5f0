package dev.jvs.sched;

import static dev.jvs.sched.SchedTesting.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.testing.CgroupFiles;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * memory.memlock, memory.anon and memory.swap exceeded inside one guest: the effect stays there
 * (memory.rss is proven by CgroupBehaviourKernelTest.memoryHogIsKilledInsideItsGuestOnly).
 */
@Tag("kernel")
class MemoryLimitsKernelTest {
  private static final long MIB = 1 << 20;

  @Test
  void mlockBeyondMemlockFailsInsideTheGuestOnly() {
    try (TestHost host = new TestHost()) {
      GuestName locked = guest(host, "locked", Map.of("memory.memlock", "2M"));
      GuestName free = guest(host, "free", Map.of()); // the host's 8 MiB
      GuestName g = GuestName.of("greedy");
      host.guests().build(g, "busybox");
      host.guests().set(g, Map.of("memory.memlock", "1G"));
      assertThatThrownBy(() -> host.guests().start(g, List.of(), Guests.Attach.DETACHED))
          .hasMessageContaining(
              "greedy: memory.memlock: 1G is above this host's hard" + " RLIMIT_MEMLOCK");
      assertThat(host.exec(locked, "/probe", "mlock", "1").output()).isEqualTo("ok\n");
      assertThat(host.exec(locked, "/probe", "mlock", "4").output()).isEqualTo("fail ENOMEM\n");
      assertThat(host.exec(locked, "sh", "-c", "ulimit -l").output()).isEqualTo("2048\n");
      assertThat(host.exec(free, "/probe", "mlock", "4").output()).isEqualTo("ok\n");
    }
  }

  @Test
  void anonAboveItsLimitIsKilledByTheServiceInsideTheGuestOnly() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName hog = guest(host, "anon", Map.of("memory.rss", "256M", "memory.anon", "48M"));
      GuestName calm = guest(host, "calm", Map.of("memory.rss", "256M"));
      try (var service =
          new SchedTesting.RunningService(
              host, new MemoryBudget.Host(), 0, Duration.ofMillis(100))) {
        CompletableFuture<TestHost.Run> neighbour = new CompletableFuture<>();
        Thread.ofPlatform()
            .start(
                () ->
                    neighbour.complete(
                        host.exec(
                            calm,
                            "sh",
                            "-c",
                            "/probe grow 8 80 50 & sleep 4; kill $!; echo done")));
        TestHost.Run run = host.exec(hog, "/probe", "grow", "4", "200", "100");
        assertThat(run.code()).isEqualTo(128 + 9);
        assertThat(run.output()).contains("grown 48").doesNotContain("grown 100");
        assertThat(service.logged("memory.anon: anon uses"))
            .as(String.join("\n", service.log))
            .isTrue();
        // The neighbour's 80 MiB (no memory.anon) grew in full and was not touched.
        TestHost.Run n = neighbour.join();
        assertThat(n.output()).contains("grown 80", "done");
        assertThat(service.logged("memory.anon: calm")).isFalse();
        assertThat(host.guests().status(hog).state()).isEqualTo(GuestStatus.State.RUNNING);
        assertThat(host.exec(hog, "true").code()).isZero();
      }
    }
  }

  @Test
  void swapZeroHoldsTheGuestToItsRssWhileTheNeighbourAllocates() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName tight = guest(host, "tight", Map.of("memory.rss", "32M", "memory.swap", "0"));
      GuestName calm = guest(host, "calm", Map.of());
      String cgroup = host.guests().status(tight).cgroup();
      Path dir = CgroupFiles.dir(cgroup, "memory");
      if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes"))) {
        assertThat(Files.readString(dir.resolve("memory.memsw.limit_in_bytes")).strip())
            .isEqualTo(Long.toString(32 * MIB));
      } else {
        assertThat(Files.readString(dir.resolve("memory.swap.max")).strip()).isEqualTo("0");
      }
      // This host has no swap, so the hog cannot be swapped out either way: it is OOM-killed at
      // rss + swap = 32 MiB, inside its guest, while the neighbour allocates 64 MiB.
      assertThat(host.exec(tight, "/probe", "hog", "64").code()).isEqualTo(128 + 9);
      assertThat(host.guests().status(tight).usage().oomKills()).isPositive();
      assertThat(host.exec(calm, "/probe", "hog", "64").output()).contains("allocated");
      assertThat(host.guests().status(calm).usage().oomKills()).isZero();
    }
  }
}
