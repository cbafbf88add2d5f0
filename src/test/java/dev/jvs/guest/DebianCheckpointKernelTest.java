package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.image.TemplateSources;
import dev.jvs.image.Templates;
import dev.jvs.testing.CriuTests;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16, item 1: a Debian system guest (sysvinit at runlevel 2, cron holding the lock on its pid
 * file) checkpointed and restored: its init, cron and a shell counting in memory go on with their
 * pids, init still respawns what its inittab says, and exec works. The template comes from the
 * machine's debootstrap cache (DebianKernelTest; cold, about 1.5 min once).
 */
@Tag("kernel")
class DebianCheckpointKernelTest {
  private static final String COUNTER = CriuTests.counterScript("sleep 0.1");

  /** An inittab line whose process init respawns: proof that init itself runs on. */
  private static final String RESPAWN = "jv:2345:respawn:/bin/sleep 1000001\n";

  private static final Pattern RESPAWNED = Pattern.compile("(?m)^\\s*(\\d+) /bin/sleep 1000001$");

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @BeforeAll
  static void criuIsThere() {
    CriuTests.abortWithoutCriu();
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void aDebianGuestsInitCronAndCountGoOnAfterRestore() throws Exception {
    try (TestHost host = new TestHost()) {
      Templates templates = new Templates(host.dirs().templates());
      TemplateSources.forHost(templates, System.getenv())
          .build("deb", "debian:bookworm", line -> {});
      GuestName g = GuestName.of("ckdeb");
      host.guests().build(g, "deb");
      host.guests().set(g, Map.of("security.privileged", "true"));
      Path upper = host.dirs().guest(g).resolve("upper");
      Files.createDirectories(upper.resolve("etc"));
      Files.writeString(
          upper.resolve("etc/inittab"),
          Files.readString(templates.rootfs("deb").resolve("etc/inittab")) + RESPAWN);
      Path script = upper.resolve("counter.sh");
      Files.writeString(script, COUNTER);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      String ps = awaitProcesses(host, g, "/usr/sbin/cron");
      assertThat(host.exec(g, "/sbin/runlevel").output().strip()).isEqualTo("N 2");
      host.exec(g, "sh", "-c", "setsid /counter.sh </dev/null >/dev/null 2>&1 &");
      Path counter = upper.resolve("tmp/counter");
      awaitAtLeast(counter, 20);
      ps = processes(host, g);
      assertThat(ps).containsPattern("(?m)^\\s*1 init \\[2\\]$").contains("/counter.sh");

      host.guests().checkpoint(g, false, Optional.empty());

      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
      long stoppedAt = lastNumber(counter);
      Files.writeString(counter, "0\n"); // what the guest shows next comes from its memory

      host.guests().restore(g, Optional.empty());

      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      assertThat(awaitAtLeast(counter, 1))
          .as("count after restore, stopped at %d", stoppedAt)
          .isGreaterThan(stoppedAt);
      assertThat(processes(host, g)).as("init, cron, the counter: same pids").isEqualTo(ps);
      assertThat(host.exec(g, "/sbin/runlevel").output().strip()).isEqualTo("N 2");
      assertThat(host.exec(g, "cat", "/proc/locks").output())
          .as("cron's lock on its pid file came back")
          .contains("FLOCK");
      assertThat(host.exec(g, "cat", "/etc/debian_version").output()).startsWith("12.");

      // init's own loop runs on: it respawns the inittab entry's process when that dies
      String old = respawned(ps);
      assertThat(host.exec(g, "kill", old).code()).isZero();
      String renewed = "";
      for (long end = System.nanoTime() + PATIENCE.toNanos(); System.nanoTime() < end; ) {
        Matcher m = RESPAWNED.matcher(host.exec(g, "ps", "-eo", "pid,args").output());
        if (m.find() && !m.group(1).equals(old)) {
          renewed = m.group(1);
          break;
        }
        Thread.sleep(200);
      }
      assertThat(renewed).as("init respawned /bin/sleep (was pid %s)", old).isNotEmpty();

      host.guests().stop(g, Duration.ZERO);
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
    }
  }

  private static String respawned(String ps) {
    Matcher m = RESPAWNED.matcher(ps);
    assertThat(m.find()).as("init's respawned sleep in\n%s", ps).isTrue();
    return m.group(1);
  }

  /** Waits until the guest has booted to the point where {@code process} runs; returns ps. */
  private static String awaitProcesses(TestHost host, GuestName g, String process)
      throws InterruptedException {
    String ps = "";
    for (long end = System.nanoTime() + PATIENCE.toNanos(); System.nanoTime() < end; ) {
      ps = host.exec(g, "ps", "-eo", "pid,args").output();
      if (ps.contains(process) && RESPAWNED.matcher(ps).find()) {
        return ps;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(g + ": " + process + " never ran:\n" + ps);
  }

  /** The guest's processes as "PID COMMAND" lines, without ps and the counter's children. */
  private static String processes(TestHost host, GuestName g) {
    TestHost.Run ps = host.exec(g, "ps", "-eo", "pid,ppid,args");
    assertThat(ps.code()).isZero();
    return String.join("\n", CriuTests.withoutCountersChildren(ps.output()));
  }

  private static long awaitAtLeast(Path file, long min) throws Exception {
    long last = -1;
    for (long end = System.nanoTime() + PATIENCE.toNanos(); System.nanoTime() < end; ) {
      last = lastNumber(file);
      if (last >= min) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(file + " never reached " + min + " (last " + last + ")");
  }

  private static long lastNumber(Path file) throws java.io.IOException {
    if (!Files.exists(file)) {
      return -1;
    }
    List<String> lines = Files.readString(file).lines().filter(l -> l.matches("\\d+")).toList();
    return lines.isEmpty() ? -1 : Long.parseLong(lines.getLast());
  }
}
