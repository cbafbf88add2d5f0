package dev.jvs.cgroup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of an eBPF assembler for cgroup programs without maps or helpers: 32-bit loads, a few
 * 64-bit ALU operations, conditional jumps to labels, exit. Each instruction is 8 bytes (struct
 * bpf_insn): u8 code, u8 dst:4|src:4 (dst in the low nibble), s16 off, s32 imm, in host
 * (little-endian) byte order.
 */
final class EbpfAssembler {
  static final int R0 = 0;
  static final int R1 = 1;
  static final int R2 = 2;
  static final int R3 = 3;
  static final int R4 = 4;
  static final int R5 = 5;
  static final int R6 = 6;
  static final int R7 = 7;

  // Opcode parts from include/uapi/linux/bpf_common.h and bpf.h.
  private static final int CLASS_LDX = 0x01;
  private static final int CLASS_JMP = 0x05;
  private static final int CLASS_ALU64 = 0x07;
  private static final int SIZE_W = 0x00;
  private static final int MODE_MEM = 0x60;
  private static final int SRC_K = 0x00;
  private static final int SRC_X = 0x08;
  private static final int ALU_AND = 0x50;
  private static final int ALU_RSH = 0x70;
  private static final int ALU_MOV = 0xb0;
  private static final int JMP_JEQ = 0x10;
  private static final int JMP_JNE = 0x50;
  private static final int JMP_EXIT = 0x90;

  /** One instruction; {@code target} names the label of a jump, null otherwise. */
  private record Insn(int code, int dst, int src, int off, int imm, String target) {}

  private final List<Insn> insns = new ArrayList<>();
  private final Map<String, Integer> labels = new HashMap<>();

  /** dst = *(u32 *)(src + off) */
  EbpfAssembler loadWord(int dst, int src, int off) {
    return add(CLASS_LDX | SIZE_W | MODE_MEM, dst, src, off, 0, null);
  }

  /** dst = imm (sign-extended to 64 bits) */
  EbpfAssembler mov(int dst, int imm) {
    return add(CLASS_ALU64 | ALU_MOV | SRC_K, dst, 0, 0, imm, null);
  }

  /** dst = src */
  EbpfAssembler movReg(int dst, int src) {
    return add(CLASS_ALU64 | ALU_MOV | SRC_X, dst, src, 0, 0, null);
  }

  /** dst &= imm */
  EbpfAssembler and(int dst, int imm) {
    return add(CLASS_ALU64 | ALU_AND | SRC_K, dst, 0, 0, imm, null);
  }

  /** dst >>= imm (logical) */
  EbpfAssembler rsh(int dst, int imm) {
    return add(CLASS_ALU64 | ALU_RSH | SRC_K, dst, 0, 0, imm, null);
  }

  /** if dst != imm goto label */
  EbpfAssembler jne(int dst, int imm, String label) {
    return add(CLASS_JMP | JMP_JNE | SRC_K, dst, 0, 0, imm, label);
  }

  /** if dst == imm goto label */
  EbpfAssembler jeq(int dst, int imm, String label) {
    return add(CLASS_JMP | JMP_JEQ | SRC_K, dst, 0, 0, imm, label);
  }

  /** return r0 */
  EbpfAssembler exit() {
    return add(CLASS_JMP | JMP_EXIT, 0, 0, 0, 0, null);
  }

  /** Names the next instruction. */
  EbpfAssembler label(String name) {
    if (labels.putIfAbsent(name, insns.size()) != null) {
      throw new IllegalArgumentException("label defined twice: " + name);
    }
    return this;
  }

  int size() {
    return insns.size();
  }

  /** The program's bytes; jump offsets count instructions from the one after the jump. */
  byte[] assemble() {
    ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int pc = 0; pc < insns.size(); pc++) {
      Insn i = insns.get(pc);
      int off = i.off();
      if (i.target() != null) {
        Integer target = labels.get(i.target());
        if (target == null || target >= insns.size()) {
          throw new IllegalStateException("jump to undefined label: " + i.target());
        }
        off = target - (pc + 1);
      }
      if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
        throw new IllegalStateException("offset out of range at instruction " + pc);
      }
      b.put((byte) i.code()).put((byte) (i.dst() | i.src() << 4)).putShort((short) off);
      b.putInt(i.imm());
    }
    return b.array();
  }

  private EbpfAssembler add(int code, int dst, int src, int off, int imm, String target) {
    if (dst < 0 || dst > 10 || src < 0 || src > 10) {
      throw new IllegalArgumentException("no such register: r" + dst + "/r" + src);
    }
    insns.add(new Insn(code, dst, src, off, imm, target));
    return this;
  }
}
