package dev.jvs.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** prlimit64 on another process: its soft limit set, kept under its hard one, reported. */
@Tag("kernel")
class ProcessRlimitKernelTest {
  private static final int NPROC = 6;

  @Test
  void setsAnotherProcesssSoftLimitUnderItsHardOne() throws Exception {
    Process p = new ProcessBuilder("bash", "-c", "ulimit -u 5000; exec sleep 30").start();
    try {
      long pid = p.pid();
      awaitHard(pid, "5000");
      assertThat(ProcessRlimit.setSoft(pid, NPROC, 77)).isTrue();
      assertThat(limits(pid)).isEqualTo("77 5000");
      assertThat(ProcessRlimit.setSoft(pid, NPROC, 77)).as("unchanged").isFalse();
      assertThat(ProcessRlimit.setSoft(pid, NPROC, 9000)).isTrue();
      assertThat(limits(pid)).as("kept under the hard limit").isEqualTo("5000 5000");
      ProcessRlimit.setSoft(pid, NPROC, 10);
      assertThat(ProcessRlimit.setSoft(pid, NPROC, ProcessRlimit.UNLIMITED)).isTrue();
      assertThat(limits(pid)).as("unlimited: up to the hard limit").isEqualTo("5000 5000");
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(ProcessRlimit.setSoft(p.pid(), NPROC, 77)).as("a process gone").isFalse();
  }

  private static void awaitHard(long pid, String hard) throws Exception {
    for (int i = 0; i < 100 && !limits(pid).endsWith(" " + hard); i++) {
      Thread.sleep(20); // until bash has set it and exec'd
    }
    assertThat(limits(pid)).endsWith(" " + hard);
  }

  /** "SOFT HARD" of /proc/PID/limits' "Max processes" row. */
  private static String limits(long pid) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/limits")).stream()
        .filter(l -> l.startsWith("Max processes"))
        .map(l -> l.substring("Max processes".length()).strip().split("\\s+"))
        .map(f -> f[0] + " " + f[1])
        .findFirst()
        .orElseThrow();
  }
}
