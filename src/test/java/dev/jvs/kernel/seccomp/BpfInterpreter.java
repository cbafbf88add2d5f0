package dev.jvs.kernel.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A classic BPF interpreter for seccomp filters, for tests: decodes the bytes handed to the kernel
 * (so the encoding is under test too), applies the load-time checks of the kernel's
 * bpf_check_classic and seccomp_check_filter, and runs the program over a seccomp_data.
 */
final class BpfInterpreter {
  /** The seccomp_data a filter sees. */
  record Call(int nr, int arch, long instructionPointer, long... args) {
    Call {
      if (args.length > SeccompData.ARG_COUNT) {
        throw new IllegalArgumentException("at most 6 arguments");
      }
      args = java.util.Arrays.copyOf(args, SeccompData.ARG_COUNT);
    }

    static Call x86_64(int nr, long... args) {
      return new Call(nr, Arch.X86_64.auditArch(), 0x401000L, args);
    }

    /** The 32-bit word at a byte offset, as LD|W|ABS reads it on a little-endian machine. */
    int word(int offset) {
      ByteBuffer b = ByteBuffer.allocate(SeccompData.SIZE).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(nr).putInt(arch).putLong(instructionPointer);
      for (long a : args) {
        b.putLong(a);
      }
      return b.getInt(offset);
    }
  }

  private final List<BpfInsn> insns;

  private BpfInterpreter(List<BpfInsn> insns) {
    this.insns = insns;
  }

  static BpfInterpreter load(byte[] program) {
    if (program.length == 0 || program.length % BpfInsn.SIZE != 0) {
      throw new IllegalArgumentException("length " + program.length);
    }
    ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
    List<BpfInsn> insns = new ArrayList<>();
    while (b.hasRemaining()) {
      int code = Short.toUnsignedInt(b.getShort());
      int jt = Byte.toUnsignedInt(b.get());
      int jf = Byte.toUnsignedInt(b.get());
      insns.add(new BpfInsn(code, jt, jf, b.getInt()));
    }
    check(insns);
    return new BpfInterpreter(insns);
  }

  static BpfInterpreter load(BpfProgram program) {
    return load(program.toBytes());
  }

  /** The kernel's load-time checks, as far as seccomp programs can trip them. */
  private static void check(List<BpfInsn> insns) {
    if (insns.size() > BpfOpcodes.MAX_INSNS) {
      throw new IllegalArgumentException("too long: " + insns.size());
    }
    for (int pc = 0; pc < insns.size(); pc++) {
      BpfInsn i = insns.get(pc);
      int code = i.code();
      switch (BpfOpcodes.opClass(code)) {
        case BpfOpcodes.LD -> {
          if (code == (BpfOpcodes.LD | BpfOpcodes.W | BpfOpcodes.ABS)) {
            if (i.k() < 0 || i.k() >= SeccompData.SIZE || (i.k() & 3) != 0) {
              throw new IllegalArgumentException("bad seccomp_data load at " + pc);
            }
          } else if (code != (BpfOpcodes.LD | BpfOpcodes.IMM)
              && code != (BpfOpcodes.LD | BpfOpcodes.MEM)) {
            throw new IllegalArgumentException("load not allowed in seccomp at " + pc);
          }
        }
        case BpfOpcodes.LDX, BpfOpcodes.ST, BpfOpcodes.STX, BpfOpcodes.MISC, BpfOpcodes.RET -> {}
        case BpfOpcodes.ALU -> {
          if ((BpfOpcodes.op(code) == BpfOpcodes.DIV || BpfOpcodes.op(code) == BpfOpcodes.MOD)
              && (code & BpfOpcodes.X) == 0
              && i.k() == 0) {
            throw new IllegalArgumentException("division by zero at " + pc);
          }
        }
        case BpfOpcodes.JMP -> {
          long reach =
              BpfOpcodes.op(code) == BpfOpcodes.JA
                  ? pc + 1L + Integer.toUnsignedLong(i.k())
                  : pc + 1L + Math.max(i.jt(), i.jf());
          if (reach >= insns.size()) {
            throw new IllegalArgumentException("jump out of program at " + pc);
          }
        }
        default -> throw new IllegalArgumentException("bad class at " + pc);
      }
    }
    if (BpfOpcodes.opClass(insns.getLast().code()) != BpfOpcodes.RET) {
      throw new IllegalArgumentException("last instruction is not RET");
    }
  }

  int size() {
    return insns.size();
  }

  /** Runs the filter; returns the SECCOMP_RET_* value. */
  int run(Call call) {
    int a = 0;
    int x = 0;
    int[] mem = new int[16];
    int pc = 0;
    while (true) {
      BpfInsn i = insns.get(pc++);
      int code = i.code();
      int k = i.k();
      switch (BpfOpcodes.opClass(code)) {
        case BpfOpcodes.LD ->
            a =
                (code & 0xe0) == BpfOpcodes.ABS
                    ? call.word(k)
                    : (code & 0xe0) == BpfOpcodes.MEM ? mem[k] : k;
        case BpfOpcodes.LDX -> x = (code & 0xe0) == BpfOpcodes.MEM ? mem[k] : k;
        case BpfOpcodes.ST -> mem[k] = a;
        case BpfOpcodes.STX -> mem[k] = x;
        case BpfOpcodes.ALU -> a = alu(BpfOpcodes.op(code), a, (code & BpfOpcodes.X) != 0 ? x : k);
        case BpfOpcodes.JMP -> {
          int operand = (code & BpfOpcodes.X) != 0 ? x : k;
          boolean taken =
              switch (BpfOpcodes.op(code)) {
                case BpfOpcodes.JA -> {
                  pc += k;
                  yield false;
                }
                case BpfOpcodes.JEQ -> a == operand;
                case BpfOpcodes.JGT -> Integer.compareUnsigned(a, operand) > 0;
                case BpfOpcodes.JGE -> Integer.compareUnsigned(a, operand) >= 0;
                case BpfOpcodes.JSET -> (a & operand) != 0;
                default -> throw new IllegalStateException("jump op " + code);
              };
          if (BpfOpcodes.op(code) != BpfOpcodes.JA) {
            pc += taken ? i.jt() : i.jf();
          }
        }
        case BpfOpcodes.RET -> {
          return (code & BpfOpcodes.A) != 0 ? a : k;
        }
        case BpfOpcodes.MISC -> {
          if ((code & BpfOpcodes.TXA) != 0) {
            a = x;
          } else {
            x = a;
          }
        }
        default -> throw new IllegalStateException("class " + code);
      }
    }
  }

  /** Runs the filter and names its verdict, for readable assertions. */
  SeccompAction verdict(Call call) {
    int ret = run(call);
    return switch (ret & 0xffff0000) {
      case 0x7fff0000 -> SeccompAction.ALLOW;
      case 0x7ffc0000 -> SeccompAction.LOG;
      case 0x00050000 -> SeccompAction.errno(ret & 0xffff);
      case 0x00030000 -> SeccompAction.TRAP;
      case 0x00000000 -> SeccompAction.KILL_THREAD;
      case 0x80000000 -> SeccompAction.KILL_PROCESS;
      default ->
          throw new IllegalStateException("unexpected verdict 0x" + Integer.toHexString(ret));
    };
  }

  private static int alu(int op, int a, int v) {
    return switch (op) {
      case BpfOpcodes.ADD -> a + v;
      case BpfOpcodes.SUB -> a - v;
      case BpfOpcodes.MUL -> a * v;
      case BpfOpcodes.DIV -> Integer.divideUnsigned(a, v);
      case BpfOpcodes.MOD -> Integer.remainderUnsigned(a, v);
      case BpfOpcodes.OR -> a | v;
      case BpfOpcodes.AND -> a & v;
      case BpfOpcodes.XOR -> a ^ v;
      case BpfOpcodes.LSH -> a << v;
      case BpfOpcodes.RSH -> a >>> v;
      case BpfOpcodes.NEG -> -a;
      default -> throw new IllegalStateException("alu op " + op);
    };
  }
}
