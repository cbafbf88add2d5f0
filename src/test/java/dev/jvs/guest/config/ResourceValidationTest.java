package dev.jvs.guest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of issue 5: cpu.reserve, memory.anon, memory.reset, and their checks across keys. */
class ResourceValidationTest {
  private final ConfigFile file = new ConfigFile(new ResourceValidator(2));

  private GuestConfig parse(String... lines) {
    return file.parse("guest.conf", List.of(lines), "web1");
  }

  @Test
  void newKeysAreAccepted() {
    GuestConfig c =
        parse(
            "cpu.reserve = 25%",
            "memory.rss = 256M", "memory.anon = 128M", "memory.reset = restart");
    assertThat(c.resources())
        .containsEntry("cpu.reserve", "25%")
        .containsEntry("memory.anon", "128M")
        .containsEntry("memory.reset", "restart");
  }

  @Test
  void badValuesAreOneLineErrors() {
    assertThatThrownBy(() -> file.validate("cpu.share", "0"))
        .hasMessage("0 is out of range 2..262144");
    assertThatThrownBy(() -> file.validate("cpu.share", "-5"))
        .hasMessage("-5 is out of range 2..262144");
    assertThatThrownBy(() -> file.validate("cpu.reserve", "250"))
        .hasMessage("250 is out of range 1..200");
    assertThatThrownBy(() -> file.validate("cpu.reserve", "0"))
        .hasMessage("0 is out of range 1..200");
    assertThatThrownBy(() -> file.validate("cpu.cpus", "0-7"))
        .hasMessageContaining("CPU 7 does not exist");
    assertThatThrownBy(() -> file.validate("memory.reset", "reboot"))
        .hasMessage("expected stop or restart, found 'reboot'");
  }

  @Test
  void anonAboveRssIsMeaningless() {
    assertThatThrownBy(() -> parse("memory.rss = 64M", "memory.anon = 128M"))
        .hasMessageContaining("memory.anon (128M) above memory.rss (64M) is meaningless");
  }

  @Test
  void aReservationMustFitTheLimitAndTheCpus() {
    assertThatThrownBy(() -> parse("cpu.limit = 20", "cpu.reserve = 30"))
        .hasMessageContaining("cpu.reserve (30) above cpu.limit (20) cannot be held");
    assertThatThrownBy(() -> parse("cpu.cpus = 1", "cpu.reserve = 150"))
        .hasMessageContaining("above what cpu.cpus 1 can give (100%)");
  }

  @Test
  void aBurstNeedsACapAndFitsInIt() {
    assertThat(parse("cpu.limit = 50", "cpu.burst = 50").resources())
        .containsEntry("cpu.burst", "50");
    assertThatThrownBy(() -> parse("cpu.burst = 20"))
        .hasMessageContaining("cpu.burst needs cpu.limit");
    assertThatThrownBy(() -> parse("cpu.limit = 20", "cpu.burst = 30"))
        .hasMessageContaining("cpu.burst (30) above cpu.limit (20)");
    assertThatThrownBy(() -> file.validate("cpu.burst", "-1"))
        .hasMessage("-1 is out of range 0..200");
  }

  @Test
  void cpuCountCountsRanges() {
    assertThat(Values.cpuCount("0-1,3")).isEqualTo(3);
    assertThat(Values.cpuCount("2")).isEqualTo(1);
  }
}
