package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.LeakAudit;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** 1,000 start/stop cycles leave the host exactly as it was (issue 2, acceptance 9). */
@Tag("kernel")
class CyclesKernelTest {
  private static final int CYCLES = Integer.getInteger("jvs.cycles", 1000);

  @Test
  void thousandStartStopCyclesLeaveNothing() throws Exception {
    String mountsBefore = mountPoints();
    String auditBefore = sharedAudit();
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("cycle");
      host.guests().build(g, "busybox");
      long t0 = System.nanoTime();
      for (int i = 0; i < CYCLES; i++) {
        host.guests().start(g, List.of(), Guests.Attach.DETACHED);
        host.guests().stop(g, Duration.ZERO);
        if (i % 100 == 99) {
          assertThat(LeakAudit.leftovers(host.base(), host.dirs().cgroupParent()))
              .as("after %d cycles", i + 1)
              .isEmpty();
        }
      }
      System.out.printf("%d start/stop cycles in %.1f s%n", CYCLES, (System.nanoTime() - t0) / 1e9);
    }
    assertThat(mountPoints()).isEqualTo(mountsBefore);
    // The project's shared audit sees the host exactly as before ("clean" on a clean host).
    assertThat(sharedAudit()).isEqualTo(auditBefore);
  }

  /**
   * Output of ../shared/tools/leak-audit, or "" where the checkout has no shared/ beside it;
   * without zombies: an earlier test's monitor that has exited but is not yet reaped by this JVM
   * holds nothing.
   */
  private static String sharedAudit() throws Exception {
    Path script = Path.of("../shared/tools/leak-audit");
    if (!Files.isExecutable(script)) {
      return "";
    }
    Process audit = new ProcessBuilder(script.toString()).redirectErrorStream(true).start();
    String out = new String(audit.getInputStream().readAllBytes());
    audit.waitFor();
    return out.lines()
        .filter(l -> !l.endsWith("<defunct>"))
        .map(l -> l + "\n")
        .collect(java.util.stream.Collectors.joining());
  }

  private static String mountPoints() throws Exception {
    return String.join(
        "\n",
        Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
            .map(l -> l.split(" ")[4])
            .sorted()
            .toList());
  }
}
