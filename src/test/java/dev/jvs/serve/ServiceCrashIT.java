package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.LeakAudit;
import dev.jvs.testing.TestHost;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `jvs serve` killed with SIGKILL in the middle of a request (issue 13, acceptance 2): the client
 * prints its one line and exits 1; guests that were started keep running, a half-started one is
 * cleaned by the next command or gc, nothing leaks, and a restarted service serves the same guests,
 * rebuilding its view from their state.
 */
@Tag("kernel")
class ServiceCrashIT {
  private static final String LOST = "jvs: the jvs service ended the request before its result\n";

  @Test
  void aServiceKilledMidRequestLosesNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      TestService service = TestService.start(host);
      try {
        assertThat(TestService.jvs(host, "build", "web1").code()).isZero();
        assertThat(TestService.jvs(host, "start", "web1").code()).isZero();
        assertThat(TestService.jvs(host, "build", "app").code()).isZero();
        assertThat(
                TestService.jvs(
                        host,
                        "start",
                        "-d",
                        "app",
                        "--",
                        "sh",
                        "-c",
                        "trap '' TERM; while :; do sleep 1; done")
                    .code())
            .isZero();

        // mid-stop: the guest ignores SIGTERM, so `stop -t 5` waits 5 s before its SIGKILL
        CompletableFuture<TestService.Result> stop =
            CompletableFuture.supplyAsync(() -> TestService.jvs(host, "stop", "-t", "5", "app"));
        Thread.sleep(1500);
        service.kill();
        assertThat(stop.get(30, TimeUnit.SECONDS)).isEqualTo(new TestService.Result(1, "", LOST));
        assertRunning(host, "app"); // its SIGKILL never came: it runs, and its state says so

        // mid-exec, on a restarted service that serves the same guests
        service = TestService.start(host);
        CompletableFuture<TestService.Result> exec =
            CompletableFuture.supplyAsync(
                () -> TestService.jvs(host, "exec", "web1", "--", "sleep", "3"));
        assertThat(ServiceCliIT.awaitProcess("sleep\u00003\u0000", 20_000)).isPresent();
        service.kill();
        assertThat(exec.get(30, TimeUnit.SECONDS)).isEqualTo(new TestService.Result(1, "", LOST));

        // mid-start of a foreground guest: its monitor is the client's child and carries on
        service = TestService.start(host);
        assertThat(TestService.jvs(host, "build", "fg").code()).isZero();
        CompletableFuture<TestService.Result> fg =
            CompletableFuture.supplyAsync(
                () -> TestService.jvs(host, "start", "fg", "--", "sleep", "2"));
        assertThat(ServiceCliIT.awaitProcess("sleep\u00002\u0000", 20_000)).isPresent();
        service.kill();
        assertThat(fg.get(30, TimeUnit.SECONDS)).isEqualTo(new TestService.Result(1, "", LOST));
        assertRunning(host, "fg");

        // a restarted service: the same guests, as the kernel has them
        service = TestService.start(host);
        assertThat(TestService.jvs(host, "list").out())
            .containsPattern("web1\\s+running")
            .containsPattern("app\\s+running");
        assertThat(TestService.jvs(host, "exec", "web1", "--", "true").code()).isZero();
        assertThat(TestService.jvs(host, "stop", "-t", "0", "app").code()).isZero();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (TestService.jvs(host, "status", "fg").code() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(100); // its sleep 2 ends; the monitor records it
        }
        assertThat(TestService.jvs(host, "status", "fg").out())
            .contains("state:    stopped", "last run: exited 0");
        assertThat(service.served()).anyMatch(l -> l.contains(" jvs stop -t 0 app -> 0"));
      } finally {
        service.close();
      }
    }
  }

  @Test
  void aServiceKilledAtAnyStepOfAStartLeavesNothingAfterGc() throws Exception {
    try (TestHost host = new TestHost()) {
      assertThat(TestService.jvs(host, "build", "crash").code()).isZero();
      int lost = 0;
      for (int delayMs = 0; delayMs <= 280; delayMs += 40) {
        TestService service = TestService.start(host);
        try {
          CompletableFuture<TestService.Result> start =
              CompletableFuture.supplyAsync(() -> TestService.jvs(host, "start", "crash"));
          Thread.sleep(delayMs);
          service.kill();
          TestService.Result r = start.get(60, TimeUnit.SECONDS);
          assertThat(r)
              .as("at %d ms", delayMs)
              .isIn(new TestService.Result(0, "", ""), new TestService.Result(1, "", LOST));
          lost += r.code();
        } finally {
          service.close();
        }
        // the JVM path now (the socket is stale): gc, then either a working guest or nothing
        assertThat(TestService.jvs(host, "gc").code()).isZero();
        if (TestService.jvs(host, "status", "crash").code() == 0) {
          assertThat(TestService.jvs(host, "exec", "crash", "--", "true").code()).isZero();
          assertThat(TestService.jvs(host, "stop", "-t", "0", "crash").code()).isZero();
        }
        assertThat(LeakAudit.leftovers(host.base(), host.dirs().cgroupParent()))
            .as("after SIGKILL of the service at %d ms into a start", delayMs)
            .isEmpty();
      }
      assertThat(lost).as("starts the SIGKILL ended before their result").isPositive();
    }
  }

  /** The guest runs, by its state and by the kernel: its init is alive. */
  static void assertRunning(TestHost host, String guest) {
    GuestStatus s = host.guests().status(GuestName.of(guest));
    assertThat(s.state()).as(guest).isEqualTo(GuestStatus.State.RUNNING);
    assertThat(Path.of("/proc/" + s.initPid())).as(guest + "'s init").exists();
  }
}
