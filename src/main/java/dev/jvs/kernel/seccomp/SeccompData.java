package dev.jvs.kernel.seccomp;

/**
 * Offsets in {@code struct seccomp_data}, the input a seccomp filter reads: int nr, u32 arch, u64
 * instruction_pointer, u64 args[6]. Loads are 32-bit, so a 64-bit argument is read as two halves;
 * x86_64 is little-endian, so the low half comes first.
 */
public final class SeccompData {
  public static final int NR = 0;
  public static final int ARCH = 4;
  public static final int INSTRUCTION_POINTER = 8;
  public static final int ARGS = 16;
  public static final int SIZE = 64;
  public static final int ARG_COUNT = 6;

  private SeccompData() {}

  public static int argLow(int index) {
    return ARGS + 8 * checkIndex(index);
  }

  public static int argHigh(int index) {
    return argLow(index) + 4;
  }

  private static int checkIndex(int index) {
    if (index < 0 || index >= ARG_COUNT) {
      throw new IllegalArgumentException("syscall argument index " + index + " outside 0..5");
    }
    return index;
  }
}
