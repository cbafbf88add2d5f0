package dev.jvs.guest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValuesTest {
  @Test
  void sizesUseBinaryUnits() {
    assertThat(Values.size("4096")).isEqualTo(4096);
    assertThat(Values.size("512K")).isEqualTo(512L << 10);
    assertThat(Values.size("64m")).isEqualTo(64L << 20);
    assertThat(Values.size("2G")).isEqualTo(2L << 30);
    assertThat(Values.size("1TiB")).isEqualTo(1L << 40);
    assertThatThrownBy(() -> Values.size("12Q")).hasMessageStartingWith("malformed size '12Q'");
    assertThatThrownBy(() -> Values.size("-1M")).hasMessageStartingWith("malformed size");
    assertThatThrownBy(() -> Values.size("99999999999T"))
        .hasMessage("size '99999999999T' is too large");
  }

  @Test
  void durationsDefaultToSeconds() {
    assertThat(Values.duration("10")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Values.duration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Values.duration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Values.formatDuration(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(Values.formatDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThatThrownBy(() -> Values.duration("soon")).hasMessageStartingWith("malformed duration");
  }

  @Test
  void cpuListsMustNameExistingCpus() {
    assertThat(Values.cpuList("0-1,3", 4)).isEqualTo("0-1,3");
    assertThatThrownBy(() -> Values.cpuList("0-4", 4)).hasMessageContaining("CPU 4 does not exist");
    assertThatThrownBy(() -> Values.cpuList("a", 4)).hasMessageStartingWith("malformed CPU list");
  }

  @Test
  void commandLinesSplitAndJoinLikeAShell() {
    List<String> words = CommandLine.split("/bin/sh -c 'echo \"hi there\"' x\\ y");
    assertThat(words).containsExactly("/bin/sh", "-c", "echo \"hi there\"", "x y");
    assertThat(CommandLine.split(CommandLine.join(words))).isEqualTo(words);
    assertThat(CommandLine.split(CommandLine.join(List.of("it's")))).containsExactly("it's");
    assertThatThrownBy(() -> CommandLine.split("'open")).hasMessageContaining("unterminated quote");
  }
}
