package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.testing.CgroupFiles;
import dev.jvs.testing.TestHost;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Resource limits proven by behaviour on this host's cgroup driver (issue 2, acceptance 5). Figures
 * are read from the guest's own cgroup accounting.
 */
@Tag("kernel")
@Tag("v2host") // every test here also runs on the cgroup v2 test host (dev.jvs.v2host)
class CgroupBehaviourKernelTest {
  /**
   * Stretches the CPU tests' busy loops, warm-up and sampling windows on slow hosts (the v2 test
   * host is emulated and shares its host's CPUs): more samples, the same bounds.
   */
  private static final int SAMPLE_SCALE = Integer.getInteger("jvs.test.sampleScale", 1);

  private static GuestName guest(TestHost host, String name, Map<String, String> limits) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    host.installProbe(g);
    if (!limits.isEmpty()) {
      host.guests().set(g, limits);
    }
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  private static CgroupUsage usage(TestHost host, GuestName g) {
    return host.guests().status(g).usage();
  }

  @Test
  void forkBombStopsAtPidsMax() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = guest(host, "bomb", Map.of("pids.max", "40"));
      // Forks until fork fails (ash then gives up); the children stay behind under init.
      TestHost.Run bomb = host.exec(g, "sh", "-c", "while :; do sleep 600 & done");
      assertThat(bomb.code()).isNotZero();
      assertThat(bomb.output()).contains("can't fork");
      assertThat(usage(host, g).pids()).isBetween(35L, 40L);
      // The host still forks.
      assertThat(new ProcessBuilder("true").start().waitFor()).isZero();
    }
  }

  @Test
  void memoryHogIsKilledInsideItsGuestOnly() {
    try (TestHost host = new TestHost()) {
      GuestName hog = guest(host, "hog", Map.of("memory.rss", "32M"));
      GuestName neighbour = guest(host, "calm", Map.of());
      TestHost.Run run = host.exec(hog, "/probe", "hog", "128");
      assertThat(run.code()).isEqualTo(128 + 9);
      assertThat(usage(host, hog).oomKills()).isPositive();
      assertThat(host.guests().status(hog).state()).isEqualTo(GuestStatus.State.RUNNING);
      assertThat(host.exec(neighbour, "/probe", "hog", "64").output()).contains("allocated");
      assertThat(host.exec(hog, "true").code()).isZero();
    }
  }

  @Test
  void cpuLimitCapsABusyLoopAtHalfACpu() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = guest(host, "capped", Map.of("cpu.limit", "50"));
      CompletableFuture<TestHost.Run> busy = busyFor(host, g, 7 * SAMPLE_SCALE);
      Thread.sleep(1500L * SAMPLE_SCALE);
      double share = cpuShare(host, List.of(g), 4000L * SAMPLE_SCALE)[0];
      busy.join();
      assertThat(share).isCloseTo(0.50, within(0.05));
    }
  }

  /**
   * The token bucket's depth: a capped guest that idled may run above its cap for a period; the
   * kernel counts such periods in cpu.stat nr_bursts. A guest with the same cap and no burst never
   * bursts.
   */
  @Test
  void cpuBurstLetsAnIdleCappedGuestRunAboveItsCapBriefly() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName bursty = guest(host, "bursty", Map.of("cpu.limit", "20", "cpu.burst", "20"));
      GuestName flat = guest(host, "flat", Map.of("cpu.limit", "20"));
      for (GuestName g : List.of(bursty, flat)) {
        host.exec(g, "sh", "-c", "sleep 1; (while :; do :; done) & sleep 1; kill $!");
      }
      assertThat(cpuStat(host, bursty, "nr_bursts")).isPositive();
      assertThat(cpuStat(host, flat, "nr_bursts")).isZero();
      assertThat(cpuStat(host, flat, "nr_throttled")).isPositive();
    }
  }

  private static long cpuStat(TestHost host, GuestName g, String key) throws java.io.IOException {
    java.nio.file.Path dir = CgroupFiles.dir(host.guests().status(g).cgroup(), "cpu");
    return java.nio.file.Files.readAllLines(dir.resolve("cpu.stat")).stream()
        .filter(l -> l.startsWith(key + " "))
        .mapToLong(l -> Long.parseLong(l.split(" ")[1]))
        .findFirst()
        .orElseThrow(() -> new AssertionError(key + " missing in cpu.stat"));
  }

  @Test
  void sharesSplitAContendedCpuTwoToOne() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName big = guest(host, "big", Map.of("cpu.share", "1024", "cpu.cpus", "0"));
      GuestName small = guest(host, "small", Map.of("cpu.share", "512", "cpu.cpus", "0"));
      CompletableFuture<TestHost.Run> a = busyFor(host, big, 9 * SAMPLE_SCALE);
      CompletableFuture<TestHost.Run> b = busyFor(host, small, 9 * SAMPLE_SCALE);
      Thread.sleep(1500L * SAMPLE_SCALE);
      double[] shares = cpuShare(host, List.of(big, small), 5000L * SAMPLE_SCALE);
      a.join();
      b.join();
      assertThat(shares[0] / shares[1]).isCloseTo(2.0, within(0.1));
    }
  }

  /** One busy loop in the guest for {@code seconds}, run by exec on another thread. */
  private static CompletableFuture<TestHost.Run> busyFor(TestHost host, GuestName g, int seconds) {
    CompletableFuture<TestHost.Run> run = new CompletableFuture<>();
    Thread.ofPlatform()
        .start(
            () ->
                run.complete(
                    host.exec(
                        g, "sh", "-c", "(while :; do :; done) & sleep " + seconds + "; kill $!")));
    return run;
  }

  /** Fraction of one CPU each guest used over the next {@code millis}. */
  private static double[] cpuShare(TestHost host, List<GuestName> guests, long millis)
      throws InterruptedException {
    long[] before = guests.stream().mapToLong(g -> usage(host, g).cpuNanos()).toArray();
    long t0 = System.nanoTime();
    Thread.sleep(millis);
    long[] after = guests.stream().mapToLong(g -> usage(host, g).cpuNanos()).toArray();
    double elapsed = System.nanoTime() - t0;
    double[] shares = new double[guests.size()];
    for (int i = 0; i < shares.length; i++) {
      shares[i] = (after[i] - before[i]) / elapsed;
    }
    return shares;
  }
}
