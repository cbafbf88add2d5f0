package dev.jvs.kernel.seccomp;

/**
 * Classic BPF opcode parts (linux/bpf_common.h, linux/filter.h). An opcode is the OR of a class, a
 * size or operation, and a source: {@code LD | W | ABS} loads a 32-bit word at an absolute offset
 * of the seccomp_data.
 */
public final class BpfOpcodes {
  // Instruction classes.
  public static final int LD = 0x00;
  public static final int LDX = 0x01;
  public static final int ST = 0x02;
  public static final int STX = 0x03;
  public static final int ALU = 0x04;
  public static final int JMP = 0x05;
  public static final int RET = 0x06;
  public static final int MISC = 0x07;

  // Load sizes and modes. Seccomp only accepts 32-bit loads (W).
  public static final int W = 0x00;
  public static final int H = 0x08;
  public static final int B = 0x10;
  public static final int IMM = 0x00;
  public static final int ABS = 0x20;
  public static final int IND = 0x40;
  public static final int MEM = 0x60;
  public static final int LEN = 0x80;

  // ALU operations.
  public static final int ADD = 0x00;
  public static final int SUB = 0x10;
  public static final int MUL = 0x20;
  public static final int DIV = 0x30;
  public static final int OR = 0x40;
  public static final int AND = 0x50;
  public static final int LSH = 0x60;
  public static final int RSH = 0x70;
  public static final int NEG = 0x80;
  public static final int MOD = 0x90;
  public static final int XOR = 0xa0;

  // Jump operations: conditional jumps compare A (unsigned 32-bit) with K or X.
  public static final int JA = 0x00;
  public static final int JEQ = 0x10;
  public static final int JGT = 0x20;
  public static final int JGE = 0x30;
  public static final int JSET = 0x40;

  // Operand source: the constant K or the index register X; RET A returns the accumulator.
  public static final int K = 0x00;
  public static final int X = 0x08;
  public static final int A = 0x10;

  // MISC operations.
  public static final int TAX = 0x00;
  public static final int TXA = 0x80;

  /** The kernel's limit on the length of one classic BPF program. */
  public static final int MAX_INSNS = 4096;

  /** The farthest a conditional jump reaches: jt and jf are unsigned bytes. */
  public static final int MAX_COND_JUMP = 255;

  private BpfOpcodes() {}

  /** The class bits of an opcode. */
  public static int opClass(int code) {
    return code & 0x07;
  }

  /** The operation bits of an ALU or JMP opcode. */
  public static int op(int code) {
    return code & 0xf0;
  }

  /** True for JEQ/JGT/JGE/JSET, whose jt and jf are relative targets. */
  public static boolean isConditionalJump(int code) {
    return opClass(code) == JMP && op(code) != JA;
  }
}
