package dev.jvs.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

/** Waiting on a process through its pidfd: a short wait sleeps in poll(2), it does not spin. */
class PidfdTest {
  @Test
  void shortWaitsOnARunningProcessSleepAndTheExitIsSeen() throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try (Pidfd pidfd = Pidfd.open(sleeper.pid()).orElseThrow()) {
      long cpu = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < 200; i++) {
        assertThat(pidfd.awaitExit(1)).isFalse();
      }
      long usedMillis = (threads.getCurrentThreadCpuTime() - cpu) / 1_000_000;
      // 200 waits of 1 ms: spinning through them costs ~200 ms of CPU, sleeping a few
      assertThat(usedMillis).as("CPU used by 200 waits of 1 ms").isLessThan(100);
      sleeper.destroyForcibly();
      assertThat(pidfd.awaitExit(10_000)).isTrue();
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
  }
}
