package dev.jvs.guest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * boot.autostart, boot.order, boot.delay and scripts.timeout as guest.conf and `jvs set` see them.
 */
class BootAndScriptKeysTest {
  private final ConfigFile file = new ConfigFile(new ResourceValidator(4));

  @Test
  void defaultsWithoutTheKeys() {
    GuestConfig c = file.parse("g.conf", List.of("template = busybox"), "web1");
    assertThat(c.boot()).isEqualTo(new BootOrder(false, 0, Duration.ZERO));
    assertThat(c.scriptsTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void parsesTheKeys() {
    GuestConfig c =
        file.parse(
            "g.conf",
            List.of(
                "boot.autostart = true",
                "boot.order = -5",
                "boot.delay = 1500ms",
                "scripts.timeout = 2m"),
            "web1");
    assertThat(c.boot()).isEqualTo(new BootOrder(true, -5, Duration.ofMillis(1500)));
    assertThat(c.scriptsTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.resources()).isEmpty();
  }

  @Test
  void badValuesAreRefusedWithOneLineNamingTheFileLineAndKey() {
    assertThatThrownBy(() -> file.parse("g.conf", List.of("", "boot.autostart = yes"), "web1"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("g.conf:2: boot.autostart: expected true or false, found 'yes'");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("boot.order = first"), "web1"))
        .hasMessage("g.conf:1: boot.order: 'first' is not a whole number");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("boot.order = 9999999"), "web1"))
        .hasMessage("g.conf:1: boot.order: 9999999 is out of range -1000000..1000000");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("boot.delay = soon"), "web1"))
        .hasMessage(
            "g.conf:1: boot.delay: malformed duration 'soon' (expected e.g. 10s, 500ms, 2m)");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("boot.delay = 2h"), "web1"))
        .hasMessage("g.conf:1: boot.delay: at most 1h, found '2h'");
    assertThatThrownBy(() -> file.parse("g.conf", List.of("scripts.timeout = 0"), "web1"))
        .hasMessage("g.conf:1: scripts.timeout: must be more than 0 and at most 1h, found '0'");
  }

  @Test
  void jvsSetValidatesEachKeyAlone() {
    file.validate("boot.autostart", "false");
    file.validate("boot.order", "10");
    file.validate("boot.delay", "5s");
    file.validate("scripts.timeout", "500ms");
    assertThatThrownBy(() -> file.validate("boot.autostart", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected true or false, found '1'");
    assertThatThrownBy(() -> file.validate("scripts.timeout", "forever"))
        .hasMessage("malformed duration 'forever' (expected e.g. 10s, 500ms, 2m)");
  }
}
