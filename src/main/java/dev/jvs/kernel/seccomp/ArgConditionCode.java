package dev.jvs.kernel.seccomp;

import dev.jvs.kernel.seccomp.BpfAssembler.Label;

/**
 * Emits the test of one {@link ArgCondition}: control falls through when it holds and jumps to
 * {@code fail} when it does not. Classic BPF compares 32-bit values, so a 64-bit comparison decides
 * on the high halves and looks at the low halves only when the high halves are equal.
 */
final class ArgConditionCode {
  private static final Label NEXT = BpfAssembler.NEXT;

  private ArgConditionCode() {}

  static void emit(BpfAssembler asm, ArgCondition c, Label fail) {
    int hiOffset = SeccompData.argHigh(c.index());
    int loOffset = SeccompData.argLow(c.index());
    int hi = (int) (c.value() >>> 32);
    int lo = (int) c.value();
    Label pass = asm.newLabel();
    switch (c.op()) {
      case EQ -> {
        asm.load(hiOffset).jump(BpfOpcodes.JEQ, hi, NEXT, fail);
        asm.load(loOffset).jump(BpfOpcodes.JEQ, lo, NEXT, fail);
      }
      case NE -> {
        asm.load(hiOffset).jump(BpfOpcodes.JEQ, hi, NEXT, pass);
        asm.load(loOffset).jump(BpfOpcodes.JEQ, lo, fail, NEXT);
      }
      case GT, GE -> {
        // High half greater: holds; smaller: fails; equal: the low halves decide.
        asm.load(hiOffset)
            .jump(BpfOpcodes.JGT, hi, pass, NEXT)
            .jump(BpfOpcodes.JEQ, hi, NEXT, fail);
        asm.load(loOffset)
            .jump(c.op() == ArgOp.GT ? BpfOpcodes.JGT : BpfOpcodes.JGE, lo, NEXT, fail);
      }
      case LT, LE -> {
        asm.load(hiOffset)
            .jump(BpfOpcodes.JGT, hi, fail, NEXT)
            .jump(BpfOpcodes.JEQ, hi, NEXT, pass);
        asm.load(loOffset)
            .jump(c.op() == ArgOp.LT ? BpfOpcodes.JGE : BpfOpcodes.JGT, lo, fail, NEXT);
      }
      case MASKED_EQ -> {
        maskedHalf(asm, hiOffset, hi, (int) (c.valueTwo() >>> 32), fail);
        maskedHalf(asm, loOffset, lo, (int) c.valueTwo(), fail);
      }
    }
    asm.bind(pass);
  }

  /** (half & mask) == want; a zero mask needs no load (masks are often 32-bit). */
  private static void maskedHalf(BpfAssembler asm, int offset, int mask, int want, Label fail) {
    if (mask == 0) {
      if (want != 0) {
        asm.jump(fail);
      }
      return;
    }
    asm.load(offset);
    if (mask != -1) {
      asm.and(mask);
    }
    asm.jump(BpfOpcodes.JEQ, want, NEXT, fail);
  }
}
