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
public final class EbpfAssembler {
  public static final int R0 = 0;
  public static final int R1 = 1;
  public static final int R2 = 2;
  public static final int R3 = 3;
  public static final int R4 = 4;
  public static final int R5 = 5;
  public static final int R6 = 6;
  public static final int R7 = 7;

  /** The read-only frame pointer; the stack lies below it. */
  public static final int R10 = 10;

  // Opcode parts from include/uapi/linux/bpf_common.h and bpf.h.
  private static final int CLASS_LDX = 0x01;
  private static final int CLASS_JMP = 0x05;
  private static final int CLASS_ALU64 = 0x07;
  private static final int CLASS_ST = 0x02;
  private static final int CLASS_STX = 0x03;
  private static final int CLASS_ALU = 0x04;
  private static final int CLASS_JMP32 = 0x06;
  private static final int ALU_ADD = 0x00;
  private static final int JMP_CALL = 0x80;
  private static final int SIZE_W = 0x00;
  private static final int MODE_MEM = 0x60;
  private static final int SRC_K = 0x00;
  private static final int SRC_X = 0x08;
  private static final int ALU_AND = 0x50;
  private static final int ALU_RSH = 0x70;
  private static final int ALU_MOV = 0xb0;
  private static final int JMP_JA = 0x00;
  private static final int JMP_JEQ = 0x10;
  private static final int JMP_JNE = 0x50;
  private static final int JMP_EXIT = 0x90;

  /** One instruction; {@code target} names the label of a jump, null otherwise. */
  private record Insn(int code, int dst, int src, int off, int imm, String target) {}

  private final List<Insn> insns = new ArrayList<>();
  private final Map<String, Integer> labels = new HashMap<>();

  /** dst = *(u32 *)(src + off) */
  public EbpfAssembler loadWord(int dst, int src, int off) {
    return add(CLASS_LDX | SIZE_W | MODE_MEM, dst, src, off, 0, null);
  }

  /** dst = imm (sign-extended to 64 bits) */
  public EbpfAssembler mov(int dst, int imm) {
    return add(CLASS_ALU64 | ALU_MOV | SRC_K, dst, 0, 0, imm, null);
  }

  /** dst = src */
  public EbpfAssembler movReg(int dst, int src) {
    return add(CLASS_ALU64 | ALU_MOV | SRC_X, dst, src, 0, 0, null);
  }

  /** dst &= imm */
  public EbpfAssembler and(int dst, int imm) {
    return add(CLASS_ALU64 | ALU_AND | SRC_K, dst, 0, 0, imm, null);
  }

  /** dst >>= imm (logical) */
  public EbpfAssembler rsh(int dst, int imm) {
    return add(CLASS_ALU64 | ALU_RSH | SRC_K, dst, 0, 0, imm, null);
  }

  /** if dst != imm goto label */
  public EbpfAssembler jne(int dst, int imm, String label) {
    return add(CLASS_JMP | JMP_JNE | SRC_K, dst, 0, 0, imm, label);
  }

  /** if dst == imm goto label */
  public EbpfAssembler jeq(int dst, int imm, String label) {
    return add(CLASS_JMP | JMP_JEQ | SRC_K, dst, 0, 0, imm, label);
  }

  /** return r0 */
  public EbpfAssembler exit() {
    return add(CLASS_JMP | JMP_EXIT, 0, 0, 0, 0, null);
  }

  /** *(u32 *)(dst + off) = src */
  public EbpfAssembler storeWord(int dst, int off, int src) {
    return add(CLASS_STX | SIZE_W | MODE_MEM, dst, src, off, 0, null);
  }

  /** *(u32 *)(dst + off) = imm (not allowed into a context; use storeWord there) */
  public EbpfAssembler storeWordImm(int dst, int off, int imm) {
    return add(CLASS_ST | SIZE_W | MODE_MEM, dst, 0, off, imm, null);
  }

  /** dst = imm as an unsigned 32-bit value (no sign extension, unlike mov) */
  public EbpfAssembler mov32(int dst, int imm) {
    return add(CLASS_ALU | ALU_MOV | SRC_K, dst, 0, 0, imm, null);
  }

  /** dst += imm */
  public EbpfAssembler addImm(int dst, int imm) {
    return add(CLASS_ALU64 | ALU_ADD | SRC_K, dst, 0, 0, imm, null);
  }

  /** if (u32) dst != (u32) imm goto label: compares the low 32 bits only */
  public EbpfAssembler jne32(int dst, int imm, String label) {
    return add(CLASS_JMP32 | JMP_JNE | SRC_K, dst, 0, 0, imm, label);
  }

  /** goto label */
  public EbpfAssembler ja(String label) {
    return add(CLASS_JMP | JMP_JA, 0, 0, 0, 0, label);
  }

  /** if (u32) dst == (u32) imm goto label: compares the low 32 bits only */
  public EbpfAssembler jeq32(int dst, int imm, String label) {
    return add(CLASS_JMP32 | JMP_JEQ | SRC_K, dst, 0, 0, imm, label);
  }

  /** r0 = helper(r1..r5); r1..r5 are clobbered */
  public EbpfAssembler call(int helper) {
    return add(CLASS_JMP | JMP_CALL, 0, 0, 0, helper, null);
  }

  /** Names the next instruction. */
  public EbpfAssembler label(String name) {
    if (labels.putIfAbsent(name, insns.size()) != null) {
      throw new IllegalArgumentException("label defined twice: " + name);
    }
    return this;
  }

  public int size() {
    return insns.size();
  }

  /** The program's bytes; jump offsets count instructions from the one after the jump. */
  public byte[] assemble() {
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
