package dev.jvs.sched;

import static dev.jvs.sched.SchedTesting.eventually;
import static dev.jvs.sched.SchedTesting.guest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.CgroupFiles;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The overbooking watchdog, safely: the guests' parent memory cgroup gets a 320 MiB limit and the
 * watchdog guards that budget (MemoryBudget.CgroupScoped), so the "host" that runs short is a
 * cgroup and the real host is never at risk. Three guests may each use 256 MiB (768 MiB booked on
 * 320 MiB); one grows until the budget's available memory falls below 64 MiB.
 */
@Tag("kernel")
class WatchdogKernelTest {
  private static final long MIB = 1 << 20;

  @Test
  void theGuestFurthestAboveItsFairShareIsResetAndNoOomKillerFires() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName hog =
          guest(
              host,
              "hog",
              Map.of("memory.rss", "256M", "memory.swap", "0", "memory.reset", "restart"));
      GuestName calm = guest(host, "calm", Map.of("memory.rss", "256M", "memory.swap", "0"));
      GuestName idle = guest(host, "idle", Map.of("memory.rss", "256M", "memory.swap", "0"));
      Path parent = CgroupFiles.dir("/" + host.dirs().cgroupParent(), "memory");
      boolean v1 = Files.exists(parent.resolve("memory.limit_in_bytes"));
      Files.writeString(
          parent.resolve(v1 ? "memory.limit_in_bytes" : "memory.max"), Long.toString(320 * MIB));
      try (var service =
          new SchedTesting.RunningService(
              host, new MemoryBudget.CgroupScoped(parent), 64 * MIB, Duration.ofMillis(100))) {
        CompletableFuture<TestHost.Run> calmRun = new CompletableFuture<>();
        Thread.ofPlatform()
            .start(
                () ->
                    calmRun.complete(
                        host.exec(
                            calm,
                            "sh",
                            "-c",
                            "/probe grow 16 64 10 & sleep 12; kill $!; echo survived")));
        Thread.sleep(1000);
        TestHost.Run hogRun = host.exec(hog, "/probe", "grow", "8", "250", "100");
        assertThat(hogRun.code()).as(hogRun.output()).isEqualTo(128 + 9);
        assertThat(hogRun.output()).doesNotContain("grown 248");
        assertThat(service.logged("watchdog: restarting hog"))
            .as(String.join("\n", service.log))
            .isTrue();
        assertThat(service.log.stream().filter(l -> l.contains("watchdog:")).count()).isEqualTo(1);
        assertThat(
                eventually(
                    10_000, () -> host.guests().status(hog).state() == GuestStatus.State.RUNNING))
            .isTrue();
        // Others untouched: calm's 64 MiB grower lived on; idle kept running.
        assertThat(calmRun.join().output()).contains("grown 64", "survived");
        assertThat(host.guests().status(idle).state()).isEqualTo(GuestStatus.State.RUNNING);
        assertThat(host.guests().status(calm).usage().oomKills()).isZero();
        // No OOM killer fired in the budget (the stand-in for the host's global one).
        if (v1) {
          assertThat(Files.readString(parent.resolve("memory.oom_control"))).contains("oom_kill 0");
        }
      }
    }
  }
}
