package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FramesTest {
  @Test
  void encodesUnsafeBytesAsTheLaunchProgramDoes() {
    assertThat(line("arg", "a b%\n")).isEqualTo("arg a%20b%25%0A\n");
    assertThat(line("cwd", "/run/x_y-1.2:3=4,5+6@7")).isEqualTo("cwd /run/x_y-1.2:3=4,5+6@7\n");
    assertThat(line("exit", "")).isEqualTo("exit %\n");
  }

  @Test
  void decodesWhatItEncodesIncludingBinaryBytes() {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    String line = new String(Frames.line("out", all), StandardCharsets.US_ASCII);
    String field = line.substring(4, line.length() - 1);
    assertThat(Frames.decode(field)).isEqualTo(all);
    assertThat(Frames.decode("%")).isEmpty();
  }

  @Test
  void refusesMalformedEscapes() {
    assertThatThrownBy(() -> Frames.decode("ab%2")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Frames.decode("%zz")).isInstanceOf(IllegalArgumentException.class);
  }

  private static String line(String name, String field) {
    return new String(
        Frames.line(name, field.getBytes(StandardCharsets.UTF_8)), StandardCharsets.US_ASCII);
  }
}
