package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** util-vserver's per-guest scripts around a real start and stop (docs/guest-config.md). */
@Tag("kernel")
class LifecycleScriptsKernelTest {
  private static final List<String> EVENTS =
      List.of("prepre-start", "pre-start", "post-start", "pre-stop", "post-stop", "postpost-stop");

  @Test
  void scriptsRunAroundStartAndStopInOrderWithTheGuestsFacts() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName name = GuestName.of("scripted");
      host.guests().build(name, "busybox");
      Path record = host.dirs().root().resolve("events.txt");
      for (String event : EVENTS) {
        script(
            host,
            name,
            event,
            "echo \"$JVS_EVENT $JVS_GUEST ${JVS_INIT_PID:+init}\" >> " + record + "\necho said\n");
      }
      host.guests().start(name, List.of(), Guests.Attach.DETACHED);
      long init = host.guests().status(name).initPid();
      host.guests().stop(name, Duration.ofSeconds(10));

      assertThat(Files.readAllLines(record))
          .containsExactly(
              "prepre-start scripted ",
              "pre-start scripted init",
              "post-start scripted init",
              "pre-stop scripted init",
              "post-stop scripted ",
              "postpost-stop scripted ");
      assertThat(init).isPositive();
      assertThat(Files.readString(host.dirs().runGuest(name).resolve("console.log")))
          .contains("[pre-start] said", "[postpost-stop] said");
    }
  }

  @Test
  void aFailingPreStartAbortsTheStartWithItsMessageAndLeavesNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName name = GuestName.of("refused");
      host.guests().build(name, "busybox");
      script(host, name, "pre-start", "echo 'the disk is not ready' >&2\nexit 3\n");
      assertThatThrownBy(() -> host.guests().start(name, List.of(), Guests.Attach.DETACHED))
          .isInstanceOf(JvsException.class)
          .hasMessageContaining("refused")
          .hasMessageContaining("pre-start: the disk is not ready");
      assertThat(host.guests().status(name).state()).isEqualTo(GuestStatus.State.STOPPED);
      // TestHost's close checks that no cgroup, mount, monitor or process of the guest is left
    }
  }

  @Test
  void aScriptThatIsASymlinkIsRefusedAndOneThatHangsIsKilled() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName name = GuestName.of("hostile");
      host.guests().build(name, "busybox");
      Path scripts = Files.createDirectories(host.dirs().guest(name).resolve("scripts"));
      Files.createSymbolicLink(scripts.resolve("prepre-start"), Path.of("/bin/true"));
      assertThatThrownBy(() -> host.guests().start(name, List.of(), Guests.Attach.DETACHED))
          .hasMessageContaining("symbolic link");
      Files.delete(scripts.resolve("prepre-start"));

      host.guests().set(name, Map.of("scripts.timeout", "500ms"));
      script(host, name, "pre-start", "sleep 1000 &\nsleep 1000\n");
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> host.guests().start(name, List.of(), Guests.Attach.DETACHED))
          .hasMessageContaining("pre-start: timed out");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
      assertThat(host.guests().status(name).state()).isEqualTo(GuestStatus.State.STOPPED);
      // the script's whole process group was killed: no `sleep 1000` is left on the host
      try (var procs = Files.list(Path.of("/proc"))) {
        assertThat(
                procs
                    .filter(p -> p.getFileName().toString().matches("\\d+"))
                    .map(p -> cmdline(p))
                    .filter(c -> c.equals("sleep 1000"))
                    .toList())
            .isEmpty();
      }
    }
  }

  private static String cmdline(Path proc) {
    try {
      return new String(Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ').strip();
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static void script(TestHost host, GuestName name, String event, String body)
      throws Exception {
    Path scripts = Files.createDirectories(host.dirs().guest(name).resolve("scripts"));
    Path file = scripts.resolve(event);
    Files.writeString(file, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
