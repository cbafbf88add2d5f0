package dev.jvs.kernel.seccomp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a classic BPF program with symbolic forward jumps. Conditional jumps reach at most 255
 * instructions; {@link #assemble()} routes a farther branch through an inserted {@code JA} (32-bit
 * reach), repeating until every branch fits, because each insertion can push other branches out of
 * range.
 */
public final class BpfAssembler {
  /** A jump target; bind it with {@link #bind} at the instruction it names. */
  public record Label(int id) {}

  /** The instruction right after the jump: offset 0. */
  public static final Label NEXT = new Label(-1);

  private record Pending(int code, int k, Label ifTrue, Label ifFalse) {}

  private final List<Pending> pending = new ArrayList<>();
  private final Map<Label, Integer> bound = new HashMap<>();
  private int labels;

  public Label newLabel() {
    return new Label(labels++);
  }

  /** Binds {@code label} to the next instruction emitted. */
  public BpfAssembler bind(Label label) {
    if (label.equals(NEXT) || bound.putIfAbsent(label, pending.size()) != null) {
      throw new IllegalStateException("label bound twice: " + label);
    }
    return this;
  }

  /** A non-jump instruction, BPF_STMT(code, k). */
  public BpfAssembler stmt(int code, int k) {
    if (BpfOpcodes.opClass(code) == BpfOpcodes.JMP) {
      throw new IllegalArgumentException("use jump() for JMP opcodes");
    }
    pending.add(new Pending(code, k, null, null));
    return this;
  }

  /** A = the 32-bit word at {@code offset} of the input (seccomp_data). */
  public BpfAssembler load(int offset) {
    return stmt(BpfOpcodes.LD | BpfOpcodes.W | BpfOpcodes.ABS, offset);
  }

  /** A &= k. */
  public BpfAssembler and(int k) {
    return stmt(BpfOpcodes.ALU | BpfOpcodes.AND | BpfOpcodes.K, k);
  }

  /** Ends the program with verdict {@code k}. */
  public BpfAssembler ret(int k) {
    return stmt(BpfOpcodes.RET | BpfOpcodes.K, k);
  }

  /** Unconditional jump. */
  public BpfAssembler jump(Label target) {
    pending.add(new Pending(BpfOpcodes.JMP | BpfOpcodes.JA, 0, target, null));
    return this;
  }

  /** Compares A with k ({@link BpfOpcodes#JEQ}, JGT, JGE or JSET) and branches. */
  public BpfAssembler jump(int op, int k, Label ifTrue, Label ifFalse) {
    int code = BpfOpcodes.JMP | op | BpfOpcodes.K;
    if (!BpfOpcodes.isConditionalJump(code)) {
      throw new IllegalArgumentException("not a conditional jump: 0x" + Integer.toHexString(op));
    }
    pending.add(new Pending(code, k, ifTrue, ifFalse));
    return this;
  }

  /** Instructions emitted so far (before any inserted long jumps). */
  public int size() {
    return pending.size();
  }

  public BpfProgram assemble() {
    int n = pending.size();
    int[] targetTrue = new int[n];
    int[] targetFalse = new int[n];
    for (int i = 0; i < n; i++) {
      Pending p = pending.get(i);
      targetTrue[i] = p.ifTrue() == null ? -1 : resolve(i, p.ifTrue());
      targetFalse[i] = p.ifFalse() == null ? -1 : resolve(i, p.ifFalse());
    }
    // farTrue/farFalse: this branch goes through a JA placed right after its instruction.
    boolean[] farTrue = new boolean[n];
    boolean[] farFalse = new boolean[n];
    int[] pos = new int[n + 1];
    boolean changed = true;
    while (changed) {
      layout(farTrue, farFalse, pos);
      changed = false;
      for (int i = 0; i < n; i++) {
        if (!BpfOpcodes.isConditionalJump(pending.get(i).code())) {
          continue;
        }
        if (!farTrue[i] && pos[targetTrue[i]] - pos[i] - 1 > BpfOpcodes.MAX_COND_JUMP) {
          farTrue[i] = changed = true;
        }
        if (!farFalse[i] && pos[targetFalse[i]] - pos[i] - 1 > BpfOpcodes.MAX_COND_JUMP) {
          farFalse[i] = changed = true;
        }
      }
    }
    List<BpfInsn> out = new ArrayList<>(pos[n]);
    for (int i = 0; i < n; i++) {
      Pending p = pending.get(i);
      if (!BpfOpcodes.isConditionalJump(p.code())) {
        int k = p.ifTrue() == null ? p.k() : pos[targetTrue[i]] - pos[i] - 1;
        out.add(BpfInsn.stmt(p.code(), k));
        continue;
      }
      int jt = farTrue[i] ? 0 : pos[targetTrue[i]] - pos[i] - 1;
      int jf = farFalse[i] ? (farTrue[i] ? 1 : 0) : pos[targetFalse[i]] - pos[i] - 1;
      out.add(BpfInsn.jump(p.code(), p.k(), jt, jf));
      if (farTrue[i]) {
        out.add(BpfInsn.stmt(BpfOpcodes.JMP | BpfOpcodes.JA, pos[targetTrue[i]] - out.size() - 1));
      }
      if (farFalse[i]) {
        out.add(BpfInsn.stmt(BpfOpcodes.JMP | BpfOpcodes.JA, pos[targetFalse[i]] - out.size() - 1));
      }
    }
    return new BpfProgram(out);
  }

  /** Final position of each pending instruction given the long jumps inserted so far. */
  private static void layout(boolean[] farTrue, boolean[] farFalse, int[] pos) {
    int p = 0;
    for (int i = 0; i < farTrue.length; i++) {
      pos[i] = p;
      p += 1 + (farTrue[i] ? 1 : 0) + (farFalse[i] ? 1 : 0);
    }
    pos[farTrue.length] = p;
  }

  private int resolve(int from, Label label) {
    int to;
    if (label.equals(NEXT)) {
      to = from + 1;
    } else {
      Integer at = bound.get(label);
      if (at == null) {
        throw new IllegalStateException("label never bound: " + label);
      }
      to = at;
    }
    if (to <= from) {
      throw new IllegalStateException("classic BPF jumps only forward: " + label);
    }
    if (to >= pending.size()) {
      throw new IllegalStateException("jump past the last instruction: " + label);
    }
    return to;
  }
}
