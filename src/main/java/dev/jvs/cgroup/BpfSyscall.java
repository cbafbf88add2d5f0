package dev.jvs.cgroup;

import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The bpf(2) commands cgroup programs need, with union bpf_attr laid out by hand (offsets from
 * include/uapi/linux/bpf.h). Every returned fd belongs to the caller.
 */
public final class BpfSyscall {
  static final int PROG_TYPE_CGROUP_DEVICE = 15;
  static final int ATTACH_CGROUP_DEVICE = 6;

  /** Programs of descendants run too (all must allow), and a guest may add its own below. */
  public static final int F_ALLOW_MULTI = 2;

  private static final int CMD_PROG_LOAD = 5;
  private static final int CMD_PROG_ATTACH = 8;
  private static final int CMD_PROG_DETACH = 9;
  private static final int CMD_PROG_GET_FD_BY_ID = 13;
  private static final int CMD_OBJ_GET_INFO_BY_FD = 15;
  private static final int CMD_PROG_QUERY = 16;

  /**
   * Bytes of bpf_attr passed; the kernel zero-fills what a newer kernel knows beyond this and
   * requires zeros in what it does not know.
   */
  private static final long ATTR_SIZE = 128;

  private static final int LOG_SIZE = 64 * 1024;

  private BpfSyscall() {}

  /** BPF_PROG_LOAD; on rejection the verifier's log ends the exception's message. */
  public static Fd progLoad(int progType, int expectedAttachType, byte[] insns, String name) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment code = arena.allocate(insns.length, 8);
      MemorySegment.copy(insns, 0, code, ValueLayout.JAVA_BYTE, 0, insns.length);
      MemorySegment license = arena.allocateFrom("GPL");
      MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
      attr.set(ValueLayout.JAVA_INT, 0, progType);
      attr.set(ValueLayout.JAVA_INT, 4, insns.length / 8);
      attr.set(ValueLayout.JAVA_LONG, 8, code.address());
      attr.set(ValueLayout.JAVA_LONG, 16, license.address());
      byte[] n = name.getBytes(StandardCharsets.US_ASCII);
      MemorySegment.copy(n, 0, attr, ValueLayout.JAVA_BYTE, 48, Math.min(n.length, 15));
      attr.set(ValueLayout.JAVA_INT, 68, expectedAttachType);
      Libc.Result r = bpf(CMD_PROG_LOAD, attr);
      if (!r.failed()) {
        return new Fd((int) r.value());
      }
      // Load again with the verifier's log so the error says why.
      MemorySegment log = arena.allocate(LOG_SIZE);
      attr.set(ValueLayout.JAVA_INT, 24, 1);
      attr.set(ValueLayout.JAVA_INT, 28, LOG_SIZE);
      attr.set(ValueLayout.JAVA_LONG, 32, log.address());
      Libc.Result again = bpf(CMD_PROG_LOAD, attr);
      if (!again.failed()) {
        return new Fd((int) again.value());
      }
      String verifier = log.getString(0).strip();
      throw new KernelException(
          "bpf(BPF_PROG_LOAD)",
          name + (verifier.isEmpty() ? "" : " (verifier: " + verifier + ")"),
          r.errno());
    }
  }

  /** BPF_PROG_ATTACH of {@code prog} to the cgroup directory {@code cgroup}. */
  public static void progAttach(Fd cgroup, Fd prog, int attachType, int flags, String what) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
      attr.set(ValueLayout.JAVA_INT, 0, cgroup.value());
      attr.set(ValueLayout.JAVA_INT, 4, prog.value());
      attr.set(ValueLayout.JAVA_INT, 8, attachType);
      attr.set(ValueLayout.JAVA_INT, 12, flags);
      bpf(CMD_PROG_ATTACH, attr).orThrow("bpf(BPF_PROG_ATTACH)", what);
    }
  }

  /** BPF_PROG_DETACH of one program from a cgroup (attached with BPF_F_ALLOW_MULTI). */
  public static void progDetach(Fd cgroup, Fd prog, int attachType, String what) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
      attr.set(ValueLayout.JAVA_INT, 0, cgroup.value());
      attr.set(ValueLayout.JAVA_INT, 4, prog.value());
      attr.set(ValueLayout.JAVA_INT, 8, attachType);
      bpf(CMD_PROG_DETACH, attr).orThrow("bpf(BPF_PROG_DETACH)", what);
    }
  }

  /** BPF_PROG_QUERY: ids of the programs attached directly to the cgroup (not inherited). */
  public static int[] progQuery(Fd cgroup, int attachType, String what) {
    try (Arena arena = Arena.ofConfined()) {
      int capacity = 64;
      MemorySegment ids = arena.allocate(4L * capacity, 8);
      MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
      attr.set(ValueLayout.JAVA_INT, 0, cgroup.value());
      attr.set(ValueLayout.JAVA_INT, 4, attachType);
      attr.set(ValueLayout.JAVA_LONG, 16, ids.address());
      attr.set(ValueLayout.JAVA_INT, 24, capacity);
      bpf(CMD_PROG_QUERY, attr).orThrow("bpf(BPF_PROG_QUERY)", what);
      int count = Math.min(attr.get(ValueLayout.JAVA_INT, 24), capacity);
      return ids.asSlice(0, 4L * count).toArray(ValueLayout.JAVA_INT);
    }
  }

  /** BPF_PROG_GET_FD_BY_ID. */
  public static Fd progFdById(int id) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
      attr.set(ValueLayout.JAVA_INT, 0, id);
      long fd = bpf(CMD_PROG_GET_FD_BY_ID, attr).orThrow("bpf(BPF_PROG_GET_FD_BY_ID)", "" + id);
      return new Fd((int) fd);
    }
  }

  /** The name a program was loaded with (struct bpf_prog_info's name, at offset 64). */
  public static String progName(Fd prog) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment info = arena.allocate(80, 8);
      MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
      attr.set(ValueLayout.JAVA_INT, 0, prog.value());
      attr.set(ValueLayout.JAVA_INT, 4, (int) info.byteSize());
      attr.set(ValueLayout.JAVA_LONG, 8, info.address());
      bpf(CMD_OBJ_GET_INFO_BY_FD, attr).orThrow("bpf(BPF_OBJ_GET_INFO_BY_FD)", "" + prog.value());
      return info.asSlice(64, 16).getString(0, StandardCharsets.US_ASCII);
    }
  }

  private static Libc.Result bpf(int cmd, MemorySegment attr) {
    return Libc.syscall(Libc.SYS_BPF, cmd, attr.address(), attr.byteSize());
  }
}
