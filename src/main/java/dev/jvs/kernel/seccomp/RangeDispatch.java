package dev.jvs.kernel.seccomp;

import dev.jvs.kernel.seccomp.BpfAssembler.Label;
import java.util.List;

/**
 * Emits a binary search over syscall-number ranges with A holding nr. The ranges partition [0,
 * 2^32) and each ends where the next starts; every range leads to a target label. Adjacent numbers
 * with the same outcome share one range, so a contiguous block of allowed calls costs nothing, and
 * a lookup takes about log2(ranges) JGE instructions.
 */
final class RangeDispatch {
  /** Numbers from {@code start} up to the next range's start lead to {@code target}. */
  record Range(int start, Label target) {}

  private final BpfAssembler asm;
  private final List<Range> ranges;

  private RangeDispatch(BpfAssembler asm, List<Range> ranges) {
    this.asm = asm;
    this.ranges = ranges;
  }

  static void emit(BpfAssembler asm, List<Range> ranges) {
    if (ranges.isEmpty() || ranges.getFirst().start() != 0) {
      throw new IllegalArgumentException("ranges must start at 0");
    }
    if (ranges.size() == 1) {
      asm.jump(ranges.getFirst().target());
    } else {
      new RangeDispatch(asm, ranges).node(0, ranges.size() - 1);
    }
  }

  /** Splits ranges lo..hi (lo < hi) at the middle: nr >= start(mid) goes right. */
  private void node(int lo, int hi) {
    int mid = (lo + hi + 1) >>> 1;
    boolean leftLeaf = mid - 1 == lo;
    boolean rightLeaf = mid == hi;
    Label left = leftLeaf ? ranges.get(lo).target() : BpfAssembler.NEXT;
    Label right = rightLeaf ? ranges.get(hi).target() : asm.newLabel();
    asm.jump(BpfOpcodes.JGE, ranges.get(mid).start(), right, left);
    if (!leftLeaf) {
      node(lo, mid - 1);
    }
    if (!rightLeaf) {
      asm.bind(right);
      node(mid, hi);
    }
  }
}
