package dev.jvs.kernel.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A classic BPF program, checked for the structural rules the kernel enforces at load time (length,
 * jumps inside the program, last instruction a RET), so a bad program fails here with a message
 * rather than as EINVAL from seccomp(2).
 */
public record BpfProgram(List<BpfInsn> insns) {
  public BpfProgram {
    insns = List.copyOf(insns);
    if (insns.isEmpty() || insns.size() > BpfOpcodes.MAX_INSNS) {
      throw new IllegalArgumentException(
          "program length " + insns.size() + " outside 1.." + BpfOpcodes.MAX_INSNS);
    }
    for (int pc = 0; pc < insns.size(); pc++) {
      BpfInsn insn = insns.get(pc);
      long last = pc;
      if (BpfOpcodes.isConditionalJump(insn.code())) {
        last = pc + 1L + Math.max(insn.jt(), insn.jf());
      } else if (BpfOpcodes.opClass(insn.code()) == BpfOpcodes.JMP) {
        last = pc + 1L + Integer.toUnsignedLong(insn.k());
      }
      if (last >= insns.size()) {
        throw new IllegalArgumentException("jump out of the program at instruction " + pc);
      }
    }
    if (BpfOpcodes.opClass(insns.getLast().code()) != BpfOpcodes.RET) {
      throw new IllegalArgumentException("program does not end with RET");
    }
  }

  public int size() {
    return insns.size();
  }

  /** The {@code struct sock_filter} array as seccomp(2) takes it (little-endian, 8 bytes each). */
  public byte[] toBytes() {
    ByteBuffer out =
        ByteBuffer.allocate(insns.size() * BpfInsn.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    insns.forEach(insn -> insn.writeTo(out));
    return out.array();
  }

  /** One instruction per line with its index, for debugging and test failure messages. */
  public String dump() {
    StringBuilder sb = new StringBuilder();
    for (int pc = 0; pc < insns.size(); pc++) {
      sb.append(String.format("%4d %s%n", pc, insns.get(pc)));
    }
    return sb.toString();
  }
}
