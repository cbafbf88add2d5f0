package dev.jvs.kernel.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.kernel.seccomp.BpfAssembler.Label;
import dev.jvs.kernel.seccomp.BpfInterpreter.Call;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class BpfAssemblerTest {
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  private static String hex(BpfInsn... insns) {
    return HEX.formatHex(new BpfProgram(List.of(insns)).toBytes());
  }

  @Test
  void encodesSockFilterLittleEndian() {
    BpfInsn ret = BpfInsn.stmt(BpfOpcodes.RET | BpfOpcodes.K, 0x7fff0000);
    // BPF_STMT(BPF_LD|BPF_W|BPF_ABS, 4)
    assertThat(hex(BpfInsn.stmt(BpfOpcodes.LD | BpfOpcodes.W | BpfOpcodes.ABS, 4), ret))
        .isEqualTo("20 00 00 00 04 00 00 00 06 00 00 00 00 00 ff 7f");
    // BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, AUDIT_ARCH_X86_64, 1, 0)
    assertThat(
            hex(
                BpfInsn.jump(BpfOpcodes.JMP | BpfOpcodes.JEQ | BpfOpcodes.K, 0xC000003E, 1, 0),
                ret,
                ret))
        .startsWith("15 00 01 00 3e 00 00 c0");
    // BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO | EPERM)
    assertThat(hex(BpfInsn.stmt(BpfOpcodes.RET | BpfOpcodes.K, 0x00050001)))
        .isEqualTo("06 00 00 00 01 00 05 00");
    // BPF_JUMP(BPF_JMP|BPF_JGE|BPF_K, 0x40000000, 255, 0) and BPF_STMT(BPF_ALU|BPF_AND|BPF_K, ~0)
    BpfInsn[] far = new BpfInsn[258];
    far[0] = BpfInsn.jump(BpfOpcodes.JMP | BpfOpcodes.JGE | BpfOpcodes.K, 0x40000000, 255, 0);
    far[1] = BpfInsn.stmt(BpfOpcodes.ALU | BpfOpcodes.AND | BpfOpcodes.K, -1);
    java.util.Arrays.fill(far, 2, far.length, ret);
    assertThat(hex(far)).startsWith("35 00 ff 00 00 00 00 40 54 00 00 00 ff ff ff ff");
  }

  @Test
  void opcodeConstantsMatchTheKernelHeaders() {
    assertThat(BpfOpcodes.LD | BpfOpcodes.W | BpfOpcodes.ABS).isEqualTo(0x20);
    assertThat(BpfOpcodes.JMP | BpfOpcodes.JEQ | BpfOpcodes.K).isEqualTo(0x15);
    assertThat(BpfOpcodes.JMP | BpfOpcodes.JGT | BpfOpcodes.K).isEqualTo(0x25);
    assertThat(BpfOpcodes.JMP | BpfOpcodes.JGE | BpfOpcodes.K).isEqualTo(0x35);
    assertThat(BpfOpcodes.JMP | BpfOpcodes.JSET | BpfOpcodes.K).isEqualTo(0x45);
    assertThat(BpfOpcodes.JMP | BpfOpcodes.JA).isEqualTo(0x05);
    assertThat(BpfOpcodes.RET | BpfOpcodes.K).isEqualTo(0x06);
    assertThat(BpfOpcodes.RET | BpfOpcodes.A).isEqualTo(0x16);
    assertThat(BpfOpcodes.ALU | BpfOpcodes.AND | BpfOpcodes.K).isEqualTo(0x54);
  }

  @Test
  void resolvesLabelsToRelativeOffsets() {
    BpfAssembler asm = new BpfAssembler();
    Label allow = asm.newLabel();
    Label deny = asm.newLabel();
    asm.load(SeccompData.NR).jump(BpfOpcodes.JEQ, 39, allow, BpfAssembler.NEXT);
    asm.jump(BpfOpcodes.JEQ, 102, allow, deny);
    asm.bind(deny).ret(0x00050001);
    asm.bind(allow).ret(0x7fff0000);
    BpfProgram program = asm.assemble();

    assertThat(program.insns())
        .containsExactly(
            BpfInsn.stmt(0x20, 0),
            BpfInsn.jump(0x15, 39, 2, 0),
            BpfInsn.jump(0x15, 102, 1, 0),
            BpfInsn.stmt(0x06, 0x00050001),
            BpfInsn.stmt(0x06, 0x7fff0000));
    BpfInterpreter bpf = BpfInterpreter.load(program);
    assertThat(bpf.run(Call.x86_64(39))).isEqualTo(0x7fff0000);
    assertThat(bpf.run(Call.x86_64(102))).isEqualTo(0x7fff0000);
    assertThat(bpf.run(Call.x86_64(1))).isEqualTo(0x00050001);
  }

  /** A branch over 300 instructions cannot be a conditional jump: it goes through a JA. */
  @Test
  void insertsLongJumpsBeyond255Instructions() {
    for (int filler : new int[] {253, 254, 255, 256, 300, 1000}) {
      BpfAssembler asm = new BpfAssembler();
      Label far = asm.newLabel();
      Label alsoFar = asm.newLabel();
      asm.load(SeccompData.NR);
      asm.jump(BpfOpcodes.JEQ, 1, far, BpfAssembler.NEXT); // far on true
      asm.jump(BpfOpcodes.JGE, 5, BpfAssembler.NEXT, alsoFar); // far on false
      asm.jump(BpfOpcodes.JGE, 7, far, alsoFar); // both far
      for (int i = 0; i < filler; i++) {
        asm.ret(0x00050000 | i);
      }
      asm.bind(far).ret(0x7fff0000);
      asm.bind(alsoFar).ret(0x80000000);
      BpfProgram program = asm.assemble();
      BpfInterpreter bpf = BpfInterpreter.load(program);

      assertThat(bpf.run(Call.x86_64(1))).as("filler %d", filler).isEqualTo(0x7fff0000);
      assertThat(bpf.run(Call.x86_64(0))).as("filler %d", filler).isEqualTo(0x80000000);
      assertThat(bpf.run(Call.x86_64(5))).as("filler %d", filler).isEqualTo(0x80000000);
      assertThat(bpf.run(Call.x86_64(7))).as("filler %d", filler).isEqualTo(0x7fff0000);
      assertThat(program.insns())
          .allSatisfy(i -> assertThat(Math.max(i.jt(), i.jf())).isLessThanOrEqualTo(255));
      long longJumps =
          program.insns().stream()
              .filter(i -> i.code() == (BpfOpcodes.JMP | BpfOpcodes.JA))
              .count();
      // 253: every branch fits; 254: the first two reach 256; from 255 on all four need a JA.
      long expected = filler == 253 ? 0 : filler == 254 ? 2 : 4;
      assertThat(longJumps).as("filler %d", filler).isEqualTo(expected);
    }
  }

  /** Inserting long jumps moves code, which can push other branches out of range in turn. */
  @Test
  void longJumpInsertionReachesAFixedPoint() {
    BpfAssembler asm = new BpfAssembler();
    Label end = asm.newLabel();
    asm.load(SeccompData.NR);
    // 200 consecutive branches to the same far target: each inserted JA lengthens the others.
    for (int i = 0; i < 200; i++) {
      asm.jump(BpfOpcodes.JEQ, i, end, BpfAssembler.NEXT);
    }
    for (int i = 0; i < 100; i++) {
      asm.ret(0x00050000 | i);
    }
    asm.bind(end).ret(0x7fff0000);
    BpfInterpreter bpf = BpfInterpreter.load(asm.assemble());
    for (int nr = 0; nr < 200; nr++) {
      assertThat(bpf.run(Call.x86_64(nr))).isEqualTo(0x7fff0000);
    }
    assertThat(bpf.run(Call.x86_64(500))).isEqualTo(0x00050000);
  }

  @Test
  void rejectsBadLabelsAndPrograms() {
    BpfAssembler unbound = new BpfAssembler();
    unbound.load(0).jump(BpfOpcodes.JEQ, 0, unbound.newLabel(), BpfAssembler.NEXT).ret(0);
    assertThatThrownBy(unbound::assemble).hasMessageContaining("never bound");

    BpfAssembler backwards = new BpfAssembler();
    Label top = backwards.newLabel();
    backwards.bind(top).load(0).jump(top).ret(0);
    assertThatThrownBy(backwards::assemble).hasMessageContaining("only forward");

    BpfAssembler twice = new BpfAssembler();
    Label l = twice.newLabel();
    twice.bind(l);
    assertThatThrownBy(() -> twice.bind(l)).hasMessageContaining("bound twice");

    assertThatThrownBy(() -> new BpfProgram(List.of(BpfInsn.stmt(0x20, 0))))
        .hasMessageContaining("RET");
    assertThatThrownBy(
            () -> new BpfProgram(List.of(BpfInsn.jump(0x15, 0, 1, 0), BpfInsn.stmt(6, 0))))
        .hasMessageContaining("jump out");
    assertThatThrownBy(() -> new BpfInsn(0x15, 256, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
