package dev.jvs.cgroup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Runs the instructions EbpfAssembler emits on a cgroup device context, to test semantics. */
final class BpfInterpreter {
  private BpfInterpreter() {}

  /** r0 after running {@code program} with r1 pointing at {access_type, major, minor}. */
  static long runDevice(byte[] program, int type, int access, int major, int minor) {
    ByteBuffer ctx = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    ctx.putInt(0, type | access << 16).putInt(4, major).putInt(8, minor);
    ByteBuffer p = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
    long[] r = new long[11];
    int pc = 0;
    for (int steps = 0; steps < 10_000; steps++) {
      int code = p.get(pc * 8) & 0xff;
      int dst = p.get(pc * 8 + 1) & 0x0f;
      int src = (p.get(pc * 8 + 1) >> 4) & 0x0f;
      short off = p.getShort(pc * 8 + 2);
      int imm = p.getInt(pc * 8 + 4);
      pc++;
      switch (code) {
        case 0x61 -> {
          if (src != 1) {
            throw new IllegalStateException("loads only from the context");
          }
          r[dst] = Integer.toUnsignedLong(ctx.getInt(off));
        }
        case 0xb7 -> r[dst] = imm;
        case 0xbf -> r[dst] = r[src];
        case 0x57 -> r[dst] &= imm;
        case 0x77 -> r[dst] >>>= imm;
        case 0x55 -> pc += r[dst] != imm ? off : 0;
        case 0x15 -> pc += r[dst] == imm ? off : 0;
        case 0x95 -> {
          return r[0];
        }
        default -> throw new IllegalStateException("opcode " + Integer.toHexString(code));
      }
    }
    throw new IllegalStateException("no exit");
  }
}
