package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EbpfAssemblerTest {
  private static String hex(EbpfAssembler a) {
    return HexFormat.ofDelimiter(" ").formatHex(a.assemble());
  }

  @Test
  void encodesEachInstruction() {
    assertThat(hex(new EbpfAssembler().loadWord(2, 1, 8))).isEqualTo("61 12 08 00 00 00 00 00");
    assertThat(hex(new EbpfAssembler().mov(0, -1))).isEqualTo("b7 00 00 00 ff ff ff ff");
    assertThat(hex(new EbpfAssembler().movReg(7, 4))).isEqualTo("bf 47 00 00 00 00 00 00");
    assertThat(hex(new EbpfAssembler().and(3, 0xffff))).isEqualTo("57 03 00 00 ff ff 00 00");
    assertThat(hex(new EbpfAssembler().rsh(4, 16))).isEqualTo("77 04 00 00 10 00 00 00");
    assertThat(hex(new EbpfAssembler().exit())).isEqualTo("95 00 00 00 00 00 00 00");
    assertThat(hex(new EbpfAssembler().jne32(2, 7, "x").label("x").exit()))
        .isEqualTo("56 02 00 00 07 00 00 00 95 00 00 00 00 00 00 00");
    assertThat(hex(new EbpfAssembler().ja("x").label("x").exit()))
        .isEqualTo("05 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00");
  }

  @Test
  void jumpsCountFromTheNextInstruction() {
    EbpfAssembler a =
        new EbpfAssembler()
            .label("top")
            .jne(5, 0x1234, "out")
            .jeq(6, 7, "top")
            .mov(0, 1)
            .label("out")
            .exit();

    assertThat(hex(a))
        .isEqualTo(
            "55 05 02 00 34 12 00 00 "
                + "15 06 fe ff 07 00 00 00 "
                + "b7 00 00 00 01 00 00 00 "
                + "95 00 00 00 00 00 00 00");
  }

  @Test
  void rejectsBadLabelsAndRegisters() {
    assertThatThrownBy(() -> new EbpfAssembler().jne(1, 0, "nowhere").exit().assemble())
        .hasMessageContaining("nowhere");
    assertThatThrownBy(() -> new EbpfAssembler().label("x").label("x"))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> new EbpfAssembler().mov(11, 0)).hasMessageContaining("register");
  }
}
