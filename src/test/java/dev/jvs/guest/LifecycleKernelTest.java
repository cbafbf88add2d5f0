package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.guest.state.ExitStatus;
import dev.jvs.testing.CgroupFiles;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class LifecycleKernelTest {

  @Test
  void systemGuestRunsItsInitUntilStopped() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName web1 = host.systemGuest("web1");
      GuestStatus status = host.guests().status(web1);
      assertThat(status.state()).isEqualTo(GuestStatus.State.RUNNING);
      assertThat(status.initPid()).isPositive();
      assertThat(status.cgroup()).endsWith("/web1");
      assertThat(
              Files.readString(java.nio.file.Path.of("/proc/" + status.initPid() + "/comm"))
                  .strip())
          .isEqualTo("init");

      TestHost.Run ps = host.exec(web1, "ps", "-o", "pid,comm");
      assertThat(ps.code()).isZero();
      assertThat(ps.output()).containsPattern("(?m)^\\s*1\\s+init$");

      host.guests().stop(web1, Duration.ofSeconds(10));
      assertThat(host.guests().status(web1).state()).isEqualTo(GuestStatus.State.STOPPED);
      assertThat(Files.exists(java.nio.file.Path.of("/proc/" + status.initPid()))).isFalse();
    }
  }

  /**
   * A PID namespace's init gets only the signals it has a handler for: a stop signal sent before
   * init installed its handler was lost, and the stop waited out its whole timeout and killed.
   */
  @Test
  void aStopRightAfterStartWaitsForInitsHandler() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName slow = GuestName.of("slowtrap");
      host.guests().build(slow, "busybox");
      java.nio.file.Path init = host.dirs().guest(slow).resolve("upper/slowinit");
      Files.writeString(
          init, "#!/bin/sh\nsleep 1\ntrap 'exit 7' TERM\nwhile :; do sleep 0.1; done\n");
      Files.setPosixFilePermissions(
          init, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      host.guests().set(slow, java.util.Map.of("init", "/slowinit"));
      host.guests().start(slow, List.of(), Guests.Attach.DETACHED);
      long t0 = System.nanoTime();
      host.guests().stop(slow, Duration.ofSeconds(20));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(host.guests().status(slow).lastExit()).isEqualTo(new ExitStatus(false, 7));
      assertThat(took).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void stopSendsTheStopSignalFirstThenKillsAfterTheTimeout() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName polite = host.systemGuest("polite");
      host.guests().stop(polite, Duration.ofSeconds(10));
      // busybox init shut down on SIGTERM by itself: its shutdown messages are in the console log.
      assertThat(Files.readString(host.dirs().runGuest(polite).resolve("console.log")))
          .contains("The system is going down");

      GuestName stubborn = GuestName.of("stubborn");
      host.guests().build(stubborn, "busybox");
      host.guests()
          .set(stubborn, java.util.Map.of("init", "/bin/sleep 1000", "stop.timeout", "300ms"));
      host.guests().start(stubborn, List.of(), Guests.Attach.DETACHED);
      long t0 = System.nanoTime();
      host.guests().stop(stubborn, host.guests().stopTimeout(stubborn)); // PID 1 ignores SIGTERM
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(took).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
      assertThat(host.guests().status(stubborn).lastExit()).isEqualTo(new ExitStatus(true, 9));
    }
  }

  @Test
  void execPropagatesTheExitCode() {
    try (TestHost host = new TestHost()) {
      GuestName g = host.systemGuest("codes");
      assertThat(host.exec(g, "sh", "-c", "exit 7").code()).isEqualTo(7);
      assertThat(host.exec(g, "sh", "-c", "kill -9 $$").code()).isEqualTo(128 + 9);
      assertThatThrownBy(() -> host.exec(g, "/no/such/command"))
          .isInstanceOf(JvsException.class)
          .hasMessage("codes: exec /no/such/command: No such file or directory");
    }
  }

  @Test
  void applicationGuestRunsOneCommandAndExitsWithIt() {
    try (TestHost host = new TestHost()) {
      GuestName app = GuestName.of("app1");
      host.guests().build(app, "busybox");
      TestHost.Run hi = host.runApplication(app, "/bin/sh", "-c", "echo hi; exit 3");
      assertThat(hi.output()).isEqualTo("hi\n");
      assertThat(hi.code()).isEqualTo(3);
      GuestStatus after = host.guests().status(app);
      assertThat(after.state()).isEqualTo(GuestStatus.State.STOPPED);
      assertThat(after.lastExit()).isEqualTo(new ExitStatus(false, 3));
    }
  }

  @Test
  void detachedApplicationGuestRecordsItsExitStatus() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName app = GuestName.of("bg");
      host.guests().build(app, "busybox");
      host.guests()
          .start(app, List.of("/bin/sh", "-c", "sleep 0.3; exit 5"), Guests.Attach.DETACHED);
      assertThat(host.guests().status(app).state()).isEqualTo(GuestStatus.State.RUNNING);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (host.guests().status(app).state() == GuestStatus.State.RUNNING
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(host.guests().status(app).lastExit()).isEqualTo(new ExitStatus(false, 5));
    }
  }

  @Test
  void buildIsFastAndDeleteRemovesEverything() {
    try (TestHost host = new TestHost()) {
      host.guests().build(GuestName.of("warm"), "busybox"); // builds the template once
      long t0 = System.nanoTime();
      host.guests().build(GuestName.of("quick"), "busybox");
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(took).isLessThan(Duration.ofSeconds(1));
      host.guests().delete(GuestName.of("quick"), false);
      assertThat(host.dirs().guest(GuestName.of("quick"))).doesNotExist();
      assertThat(host.guests().list()).extracting(GuestStatus::name).containsExactly("warm");
    }
  }

  @Test
  @Tag("v2host") // also runs on the cgroup v2 test host (dev.jvs.v2host)
  void setAppliesLimitsToARunningGuestAndPersistsThem() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = host.systemGuest("limits");
      host.guests().set(g, java.util.Map.of("pids.max", "100", "memory.rss", "64M"));
      String cgroup = host.guests().status(g).cgroup();
      assertThat(CgroupFiles.read(cgroup, "pids", "pids.max", "pids.max")).isEqualTo("100");
      assertThat(CgroupFiles.read(cgroup, "memory", "memory.limit_in_bytes", "memory.max"))
          .isEqualTo(Long.toString(64L << 20));
      assertThat(host.guests().config(g).resources()).containsEntry("pids.max", "100");
    }
  }
}
