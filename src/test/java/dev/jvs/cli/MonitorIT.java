package dev.jvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.Cli;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The monitor outlives the CLI, records exits, stays small, and whatever is killed at whatever
 * step, the next command or `jvs gc` leaves nothing behind (issue 2, acceptance 6, 7, 9).
 */
@Tag("kernel")
class MonitorIT {

  private static JsonNode state(TestHost host, String guest) throws Exception {
    return new ObjectMapper()
        .readTree(host.dirs().runGuest(GuestName.of(guest)).resolve("state.json").toFile());
  }

  private static long rssKib(long pid) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS:"))
        .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void guestOutlivesTheCliAndItsMonitorStaysSmall() throws Exception {
    try (TestHost host = new TestHost()) {
      Cli cli = new Cli(host);
      assertThat(cli.run("build", "web1").code()).isZero();
      assertThat(cli.run("start", "web1").code()).isZero(); // that CLI process has exited now
      Cli.Result list = cli.run("list");
      assertThat(list.out()).containsPattern("web1\\s+running");
      long monitor = state(host, "web1").get("monitorPid").asLong();
      assertThat(Files.readString(Path.of("/proc/" + monitor + "/comm")).strip())
          .isEqualTo("jvs-init");
      assertThat(rssKib(monitor)).as("monitor RSS in KiB").isLessThan(1024);
      Cli.Result ps = cli.run("exec", "web1", "--", "ps");
      assertThat(ps.code()).isZero();
      assertThat(ps.out()).contains("init");
      Cli.Result code = cli.run("exec", "web1", "--", "sh", "-c", "exit 42");
      assertThat(code.code()).isEqualTo(42);
      assertThat(cli.run("stop", "-t", "0", "web1").code()).isZero();
      assertThat(cli.run("status", "web1").out()).contains("state:    stopped");
    }
  }

  @Test
  void foregroundApplicationGuestPrintsAndExitsWithItsCommand() {
    try (TestHost host = new TestHost()) {
      Cli cli = new Cli(host);
      cli.run("build", "app1");
      Cli.Result hi = cli.run("start", "app1", "--", "/bin/sh", "-c", "echo hi; exit 3");
      assertThat(hi.out()).isEqualTo("hi\n");
      assertThat(hi.code()).isEqualTo(3);
      assertThat(cli.run("status", "app1").out()).contains("last run: exited 3");
    }
  }

  @Test
  void killedMonitorIsNoticedAndCleanedUp() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = host.systemGuest("victim");
      long monitor = state(host, "victim").get("monitorPid").asLong();
      long init = state(host, "victim").get("initPid").asLong();
      new ProcessBuilder("kill", "-9", Long.toString(monitor)).start().waitFor();
      // The guest dies with its monitor (pdeathsig); the next command notices and cleans up.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (Files.exists(Path.of("/proc/" + init)) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
      assertThat(Path.of("/sys/fs/cgroup/pids", host.dirs().cgroupParent(), "victim"))
          .doesNotExist();
      host.guests().start(g, java.util.List.of(), dev.jvs.guest.Guests.Attach.DETACHED);
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
    }
  }

  @Test
  void killedCliAtAnyStepLeavesNothingAfterGc() throws Exception {
    try (TestHost host = new TestHost()) {
      Cli cli = new Cli(host);
      cli.run("build", "crash");
      for (int delayMs = 150; delayMs <= 1200; delayMs += 75) {
        Process start = cli.builder("start", "crash").start();
        Thread.sleep(delayMs);
        start.destroyForcibly().waitFor(); // SIGKILL, at a different step each time
        Cli.Result gc = cli.run("gc");
        assertThat(gc.code()).isZero();
        // Either the guest came up (and runs) or nothing of it is left.
        Cli.Result status = cli.run("status", "crash");
        if (status.out().contains("state:    running")) {
          assertThat(cli.run("stop", "-t", "0", "crash").code()).isZero();
        }
        assertThat(dev.jvs.testing.LeakAudit.leftovers(host.base(), host.dirs().cgroupParent()))
            .as("after kill -9 of the CLI at %d ms", delayMs)
            .isEmpty();
      }
    }
  }

  @Test
  void concurrentCliStartsAndStopsOfOneGuestNeverCorruptState() throws Exception {
    try (TestHost host = new TestHost()) {
      Cli cli = new Cli(host);
      cli.run("build", "busy");
      java.util.List<Process> procs = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String[] args =
            i % 2 == 0 ? new String[] {"start", "busy"} : new String[] {"stop", "-t", "0", "busy"};
        procs.add(cli.builder(args).redirectErrorStream(true).start());
      }
      for (Process p : procs) {
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        if (p.exitValue() != 0) {
          assertThat(out.strip()).matches("jvs: busy: (already running|not running)");
        }
      }
      Cli.Result status = cli.run("status", "busy");
      if (status.out().contains("running")) {
        assertThat(state(host, "busy").get("initPid").asLong()).isPositive();
      }
    }
  }
}
