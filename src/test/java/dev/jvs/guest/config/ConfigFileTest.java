package dev.jvs.guest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.kernel.Capability;
import dev.jvs.kernel.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
  private final ConfigFile file = new ConfigFile(new ResourceValidator(4));

  @Test
  void parsesEveryKindOfKey() {
    GuestConfig c =
        file.parse(
            "g.conf",
            List.of(
                "# comment",
                "",
                "template = busybox",
                "init = /bin/sh -c 'sleep 100'",
                "hostname = www",
                "stop.signal = SIGUSR2",
                "stop.timeout = 500ms",
                "caps.add = NET_RAW, sys_time",
                "caps.drop = MKNOD",
                "cpu.share = 512",
                "memory.rss = 64M",
                "pids.max = 100"),
            "web1");
    assertThat(c.init()).containsExactly("/bin/sh", "-c", "sleep 100");
    assertThat(c.hostname()).isEqualTo("www");
    assertThat(c.stopSignal()).isEqualTo(Signal.SIGUSR2);
    assertThat(c.stopTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.capabilities())
        .contains(Capability.NET_RAW, Capability.SYS_TIME)
        .doesNotContain(Capability.MKNOD);
    assertThat(c.resources())
        .containsExactly(
            Map.entry("cpu.share", "512"),
            Map.entry("memory.rss", "64M"),
            Map.entry("pids.max", "100"));
  }

  @Test
  void hostnameDefaultsToTheGuestName() {
    assertThat(file.parse("g.conf", List.of(), "web1").hostname()).isEqualTo("web1");
  }

  @Test
  void errorsNameFileLineAndField() {
    assertThatThrownBy(
            () -> file.parse("g.conf", List.of("template = busybox", "memory.rss 64M"), "w"))
        .hasMessage("g.conf:2: expected 'key = value', found 'memory.rss 64M'");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("", "", "memory.rss = 12Q"), "w"))
        .hasMessage(
            "g.conf:3: memory.rss: malformed size '12Q' (expected a number with an optional K, M, G or T suffix)");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("colour = blue"), "w"))
        .hasMessage("g.conf:1: colour: unknown key");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("stop.signal = SIGFOO"), "w"))
        .hasMessage("g.conf:1: stop.signal: unknown signal 'SIGFOO'");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("cpu.cpus = 7"), "w"))
        .hasMessage("g.conf:1: cpu.cpus: CPU 7 does not exist (this host has CPUs 0-3)");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("net.rate = 10mbit"), "w"))
        .hasMessageContaining("need net.mode=bridge");
  }

  /** A template name becomes a path under templates/: one that climbs out is never accepted. */
  @Test
  void templateMustBeATemplateName() {
    String rule =
        "(lower-case letters, digits, '.', '_' and '-', starting with a letter or digit,"
            + " at most 63 characters)";
    assertThatThrownBy(() -> file.parse("g.conf", List.of("# x", "template = ../../x"), "w"))
        .hasMessage("g.conf:2: template: invalid template name '../../x' " + rule);
    assertThatThrownBy(() -> file.parse("g.conf", List.of("template = /"), "w"))
        .hasMessage("g.conf:1: template: invalid template name '/' " + rule);
    assertThatThrownBy(() -> file.parse("g.conf", List.of("template ="), "w"))
        .hasMessage("g.conf:1: template: invalid template name '': a name is required");
    for (String bad :
        List.of("..", ".", "a/b", "/etc", "x/../../y", ".hidden", "Deb12", "a b", "x".repeat(64))) {
      assertThatThrownBy(() -> file.validate("template", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("invalid template name '" + bad + "'");
    }
    assertThat(file.parse("g.conf", List.of("template = deb12.x_1-a"), "w").template())
        .isEqualTo("deb12.x_1-a");
  }

  /** SIGKILL is the escalation; the others cannot make an init shut down. */
  @Test
  void stopSignalMustBeAbleToStopTheGuest() {
    assertThatThrownBy(() -> file.parse("g.conf", List.of("stop.signal = SIGKILL"), "w"))
        .hasMessage(
            "g.conf:1: stop.signal: SIGKILL is what jvs stop sends after stop.timeout,"
                + " not a stop signal (use one the guest's init shuts down on; default SIGTERM)");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("stop.signal = 19"), "w"))
        .hasMessage(
            "g.conf:1: stop.signal: SIGSTOP cannot be caught and only suspends the"
                + " guest's init, so it cannot stop the guest (default SIGTERM)");
    assertThatThrownBy(() -> file.validate("stop.signal", "SIGTSTP"))
        .hasMessage(
            "SIGTSTP suspends or resumes processes rather than ending them, so it cannot"
                + " stop the guest (default SIGTERM)");
    for (String bad :
        List.of("9", "KILL", "sigkill", "STOP", "SIGCONT", "18", "20", "TTIN", "22")) {
      assertThatThrownBy(() -> file.validate("stop.signal", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("stop");
    }
    for (String good : List.of("SIGTERM", "SIGHUP", "SIGINT", "SIGPWR", "USR1", "28", "37")) {
      file.validate("stop.signal", good);
    }
    assertThat(file.parse("g.conf", List.of("stop.signal = SIGPWR"), "w").stopSignal())
        .isEqualTo(Signal.SIGPWR);
  }

  @Test
  void updateKeepsCommentsAndReplacesInPlace(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("guest.conf");
    Files.writeString(conf, "# mine\ncpu.share = 512\n# keep me\n");
    file.update(conf, "w", Map.of("cpu.share", "1024", "pids.max", "50"));
    assertThat(Files.readString(conf))
        .isEqualTo("# mine\ncpu.share = 1024\n# keep me\npids.max = 50\n");
  }

  /** Found by ConfigFuzzTest: keys that need each other are named with the file, in one line. */
  @Test
  void keysThatNeedEachOtherFailNamingTheFile() {
    for (String line : List.of("memory.swap = 512M", "cpu.burst = 0")) {
      assertThatThrownBy(() -> file.parse("/g/guest.conf", List.of(line), "g"))
          .as(line)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("/g/guest.conf: ")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void failedUpdateLeavesTheFileAlone(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("guest.conf");
    Files.writeString(conf, "cpu.share = 512\n");
    assertThatThrownBy(() -> file.update(conf, "w", Map.of("memory.swap", "1G")))
        .hasMessageContaining("memory.swap needs memory.rss");
    assertThat(Files.readString(conf)).isEqualTo("cpu.share = 512\n");
  }

  @Test
  void createWritesAFileThatParsesBack(@TempDir Path dir) {
    Path conf = dir.resolve("guest.conf");
    GuestConfig c = GuestConfig.defaults("web1", "busybox");
    file.create(conf, c);
    assertThat(file.read(conf, "web1")).isEqualTo(c);
  }
}
