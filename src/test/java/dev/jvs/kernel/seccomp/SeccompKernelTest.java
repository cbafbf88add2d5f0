package dev.jvs.kernel.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Loads the compiled default profile into the real kernel and makes real calls under it. A filter
 * without TSYNC binds only the calling thread, so a dedicated platform thread takes it and dies
 * afterwards; nothing it calls would harm the host if the filter failed to load (bad pointers make
 * mount and clock_settime fail with EFAULT, reboot gets a wrong magic), and the calls that would
 * change the thread are made only once the filter is known to be in place.
 */
@Tag("kernel")
@SuppressWarnings("restricted") // the test makes its own FFM calls, as the kernel facade does
class SeccompKernelTest {
  private static final long SYS_SOCKET = 41;
  private static final long SYS_GETPID = 39;
  private static final long SYS_CLOSE = 3;
  private static final long SYS_MOUNT = 165;
  private static final long SYS_REBOOT = 169;
  private static final long SYS_PRCTL = 157;
  private static final long SYS_UNSHARE = 272;
  private static final long SYS_CLOCK_SETTIME = 227;
  private static final long SYS_SECCOMP = 317;
  private static final long SYS_CLONE3 = 435;
  private static final long PR_SET_NO_NEW_PRIVS = 38;
  private static final long SECCOMP_SET_MODE_FILTER = 1;
  private static final long CLONE_NEWUTS = 0x04000000;

  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  private static final MethodHandle SYSCALL =
      Linker.nativeLinker()
          .downcallHandle(
              Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
              FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG),
              Linker.Option.firstVariadicArg(1),
              Linker.Option.captureCallState("errno"));

  /** -errno on failure, the result otherwise. */
  private static long syscall(Arena arena, long nr, long... args) {
    long[] a = java.util.Arrays.copyOf(args, 6);
    MemorySegment state = arena.allocate(CAPTURE);
    try {
      long r = (long) SYSCALL.invokeExact(state, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      return r == -1 ? -(int) ERRNO.get(state, 0L) : r;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Installs {@code filter} on a fresh platform thread, then runs {@code calls} there. */
  private static Map<String, Long> underFilter(
      byte[] filter, BiConsumer<Arena, Map<String, Long>> calls) throws InterruptedException {
    assumeTrue(System.getProperty("os.name").equals("Linux"));
    assumeTrue(System.getProperty("os.arch").equals("amd64"));
    Map<String, Long> results = new LinkedHashMap<>();
    Thread thread =
        Thread.ofPlatform()
            .name("seccomp-test")
            .start(
                () -> {
                  try (Arena arena = Arena.ofConfined()) {
                    MemorySegment insns = arena.allocate(filter.length, 8);
                    insns.copyFrom(MemorySegment.ofArray(filter));
                    // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
                    MemorySegment prog = arena.allocate(16, 8);
                    prog.set(ValueLayout.JAVA_SHORT, 0, (short) (filter.length / 8));
                    prog.set(ValueLayout.ADDRESS, 8, insns);
                    results.put("no_new_privs", syscall(arena, SYS_PRCTL, PR_SET_NO_NEW_PRIVS, 1));
                    long loaded =
                        syscall(arena, SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, 0, prog.address());
                    results.put("seccomp", loaded);
                    if (loaded == 0) {
                      calls.accept(arena, results);
                    }
                  }
                });
    thread.join();
    assertThat(results).containsEntry("no_new_privs", 0L).containsEntry("seccomp", 0L);
    return results;
  }

  @Test
  void kernelLoadsTheDefaultProfileAndEnforcesIt() throws Exception {
    byte[] filter = SeccompCompiler.compile(SeccompProfiles.defaultProfile());
    Map<String, Long> results =
        underFilter(
            filter,
            (arena, r) -> {
              r.put("getpid", syscall(arena, SYS_GETPID));
              r.put("mount", syscall(arena, SYS_MOUNT, 0, 0, 0, 0, 0));
              r.put("reboot", syscall(arena, SYS_REBOOT, 0, 0, 0, 0));
              r.put("clock_settime", syscall(arena, SYS_CLOCK_SETTIME, 0, 0));
              r.put("unshare", syscall(arena, SYS_UNSHARE, CLONE_NEWUTS));
              r.put("clone3", syscall(arena, SYS_CLONE3, 0, 0));
              r.put("socket_vsock", syscall(arena, SYS_SOCKET, 40, 1, 0));
              long unix = syscall(arena, SYS_SOCKET, 1, 1, 0);
              r.put("socket_unix", unix);
              if (unix >= 0) {
                r.put("close", syscall(arena, SYS_CLOSE, unix));
              }
            });

    assertThat(results.get("getpid")).isEqualTo(ProcessHandle.current().pid());
    assertThat(results)
        .containsEntry("mount", -1L)
        .containsEntry("reboot", -1L)
        .containsEntry("clock_settime", -1L)
        .containsEntry("unshare", -1L)
        .containsEntry("clone3", -38L)
        .containsEntry("socket_vsock", -97L)
        .containsEntry("close", 0L);
    assertThat(results.get("socket_unix")).isNotNegative();
  }

  /**
   * A program long enough to need JA long jumps passes the kernel's checker and behaves: 350 rules
   * that fire only on a magic first argument, so the thread otherwise runs unfiltered.
   */
  @Test
  void kernelAcceptsProgramsWithLongJumps() throws Exception {
    SyscallTable table = SyscallTable.x86_64();
    long magic = 0xdeadbeef00000000L;
    List<SyscallRule> rules = new ArrayList<>();
    for (int nr = 0; nr <= table.maxNumber() && rules.size() < 350; nr++) {
      if (table.name(nr).isPresent()) {
        rules.add(
            SyscallRule.of(SeccompAction.errno(100 + nr), table.name(nr).get())
                .when(ArgCondition.eq(0, magic | nr)));
      }
    }
    BpfProgram program = SeccompCompiler.program(SeccompProfile.of(SeccompAction.ALLOW, rules));
    assertThat(program.insns()).anyMatch(i -> i.code() == (BpfOpcodes.JMP | BpfOpcodes.JA));

    Map<String, Long> results =
        underFilter(
            program.toBytes(),
            (arena, r) -> {
              r.put("getpid", syscall(arena, SYS_GETPID));
              r.put("getpid_magic", syscall(arena, SYS_GETPID, magic | SYS_GETPID));
              r.put("close_magic", syscall(arena, SYS_CLOSE, magic | SYS_CLOSE));
              r.put("clone3_magic", syscall(arena, SYS_CLONE3, magic | SYS_CLONE3));
            });
    assertThat(results.get("getpid")).isEqualTo(ProcessHandle.current().pid());
    assertThat(results)
        .containsEntry("getpid_magic", -(100 + SYS_GETPID))
        .containsEntry("close_magic", -(100 + SYS_CLOSE))
        .containsEntry("clone3_magic", -(100 + SYS_CLONE3));
  }
}
