package dev.jvs.kernel.seccomp;

/**
 * A test on one system call argument, as in the OCI {@code args} entries: argument {@code index}
 * (0..5) compared with {@code value} by {@code op}; MASKED_EQ uses {@code value} as the mask and
 * {@code valueTwo} as the expected result. Comparisons are unsigned 64-bit, as libseccomp's.
 *
 * <p>The kernel ignores the upper half of an {@code int} argument but the filter sees all 64 bits,
 * so a rule that must catch an int value whatever the caller put above it should mask: {@code
 * maskedEq(i, 0xffffffffL, v)} rather than {@code eq(i, v)}.
 */
public record ArgCondition(int index, ArgOp op, long value, long valueTwo) {
  public ArgCondition {
    SeccompData.argLow(index); // validates the index
    if (op == null) {
      throw new IllegalArgumentException("argument condition without an operator");
    }
  }

  public static ArgCondition of(int index, ArgOp op, long value) {
    return new ArgCondition(index, op, value, 0);
  }

  public static ArgCondition eq(int index, long value) {
    return of(index, ArgOp.EQ, value);
  }

  public static ArgCondition ne(int index, long value) {
    return of(index, ArgOp.NE, value);
  }

  public static ArgCondition maskedEq(int index, long mask, long expected) {
    return new ArgCondition(index, ArgOp.MASKED_EQ, mask, expected);
  }

  /** Whether an argument value satisfies this condition: the reference the filter must match. */
  public boolean test(long arg) {
    int c = Long.compareUnsigned(arg, value);
    return switch (op) {
      case NE -> c != 0;
      case LT -> c < 0;
      case LE -> c <= 0;
      case EQ -> c == 0;
      case GE -> c >= 0;
      case GT -> c > 0;
      case MASKED_EQ -> (arg & value) == valueTwo;
    };
  }
}
