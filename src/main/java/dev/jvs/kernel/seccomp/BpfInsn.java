package dev.jvs.kernel.seccomp;

import java.nio.ByteBuffer;

/**
 * One {@code struct sock_filter}: a 16-bit opcode, two 8-bit relative jump offsets and a 32-bit
 * constant. Jump offsets count instructions after the next one (0 = fall through).
 */
public record BpfInsn(int code, int jt, int jf, int k) {
  /** Bytes per instruction in the kernel's layout. */
  public static final int SIZE = 8;

  public BpfInsn {
    if (code < 0 || code > 0xffff) {
      throw new IllegalArgumentException("opcode out of range: " + code);
    }
    if (jt < 0 || jt > BpfOpcodes.MAX_COND_JUMP || jf < 0 || jf > BpfOpcodes.MAX_COND_JUMP) {
      throw new IllegalArgumentException("jump offset out of range: jt=" + jt + " jf=" + jf);
    }
  }

  /** BPF_STMT(code, k). */
  public static BpfInsn stmt(int code, int k) {
    return new BpfInsn(code, 0, 0, k);
  }

  /** BPF_JUMP(code, k, jt, jf). */
  public static BpfInsn jump(int code, int k, int jt, int jf) {
    return new BpfInsn(code, jt, jf, k);
  }

  /** Appends the little-endian (x86_64) encoding: u16 code, u8 jt, u8 jf, u32 k. */
  void writeTo(ByteBuffer out) {
    out.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
  }

  @Override
  public String toString() {
    return String.format("{0x%02x, %d, %d, 0x%08x}", code, jt, jf, k);
  }
}
