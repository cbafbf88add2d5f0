package dev.jvs.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Starts a program with posix_spawn(3): glibc's vfork-style clone straight into the program, with
 * chosen fds as its stdin, stdout and stderr (and any further fds in order) and nothing else open,
 * every signal at its default and none blocked. ProcessBuilder spawns a helper that then execs the
 * program (a second exec), and can give a child only files it opens itself, not fds this process
 * holds.
 */
public final class Spawn {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

  /** glibc's sizes on x86_64 (80 and 336 bytes), rounded up. */
  private static final long FILE_ACTIONS_SIZE = 128;

  private static final long ATTR_SIZE = 512;
  private static final long SIGSET_SIZE = 128;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;

  private static final class Handles {
    static final MethodHandle SPAWN =
        handle("posix_spawn", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR, PTR));
    static final MethodHandle FA_INIT =
        handle("posix_spawn_file_actions_init", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle FA_DESTROY =
        handle("posix_spawn_file_actions_destroy", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle FA_DUP2 =
        handle("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(INT, PTR, INT, INT));
    static final MethodHandle FA_CLOSEFROM =
        handle("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(INT, PTR, INT));
    static final MethodHandle ATTR_INIT =
        handle("posix_spawnattr_init", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle ATTR_DESTROY =
        handle("posix_spawnattr_destroy", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle ATTR_FLAGS =
        handle("posix_spawnattr_setflags", FunctionDescriptor.of(INT, PTR, ValueLayout.JAVA_SHORT));
    static final MethodHandle ATTR_SIGMASK =
        handle("posix_spawnattr_setsigmask", FunctionDescriptor.of(INT, PTR, PTR));
    static final MethodHandle ATTR_SIGDEFAULT =
        handle("posix_spawnattr_setsigdefault", FunctionDescriptor.of(INT, PTR, PTR));
    static final MemorySegment ENVIRON = LIBC.find("environ").orElseThrow().reinterpret(8);

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
      return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd);
    }
  }

  private Spawn() {}

  /**
   * Links the downcalls now: the first spawn of a process otherwise pays for it (50-60 ms measured
   * in a service's first restore, inside a migration's downtime). A service does it when it starts,
   * off every request's path.
   */
  public static void link() {
    Handles.SPAWN.type();
  }

  /**
   * Runs {@code argv} (argv[0] a path) with {@code stdio} as fds 0, 1 and 2 (and {@code stdio[3]}…
   * as fd 3…) and this process's environment; returns its pid. It is this process's child: reap it
   * (see {@link Pidfd}).
   */
  public static long start(List<String> argv, int[] stdio) {
    for (int i = 3; i < stdio.length; i++) {
      if (stdio[i] < i) { // an earlier dup2 would have replaced it
        throw new IllegalArgumentException("fd " + stdio[i] + " cannot become fd " + i);
      }
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment actions = arena.allocate(FILE_ACTIONS_SIZE, 8);
      MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
      check((int) Handles.FA_INIT.invokeExact(actions), "posix_spawn_file_actions_init");
      check((int) Handles.ATTR_INIT.invokeExact(attr), "posix_spawnattr_init");
      try {
        for (int i = 0; i < stdio.length; i++) {
          check((int) Handles.FA_DUP2.invokeExact(actions, stdio[i], i), "adddup2");
        }
        check((int) Handles.FA_CLOSEFROM.invokeExact(actions, stdio.length), "addclosefrom");
        MemorySegment none = arena.allocate(SIGSET_SIZE, 8);
        MemorySegment all = arena.allocate(SIGSET_SIZE, 8).fill((byte) 0xff);
        check(
            (int)
                Handles.ATTR_FLAGS.invokeExact(
                    attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)),
            "setflags");
        check((int) Handles.ATTR_SIGMASK.invokeExact(attr, none), "setsigmask");
        check((int) Handles.ATTR_SIGDEFAULT.invokeExact(attr, all), "setsigdefault");
        MemorySegment args = arena.allocate(PTR, argv.size() + 1);
        for (int i = 0; i < argv.size(); i++) {
          args.setAtIndex(PTR, i, arena.allocateFrom(argv.get(i)));
        }
        args.setAtIndex(PTR, argv.size(), MemorySegment.NULL);
        MemorySegment pid = arena.allocate(INT);
        MemorySegment environ = Handles.ENVIRON.get(PTR, 0);
        int r =
            (int)
                Handles.SPAWN.invokeExact(
                    pid, arena.allocateFrom(argv.getFirst()), actions, attr, args, environ);
        if (r != 0) {
          throw new KernelException("posix_spawn", argv.getFirst(), r);
        }
        return pid.get(INT, 0);
      } finally {
        int unused1 = (int) Handles.FA_DESTROY.invokeExact(actions);
        int unused2 = (int) Handles.ATTR_DESTROY.invokeExact(attr);
      }
    } catch (KernelException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("posix_spawn " + argv.getFirst(), t);
    }
  }

  private static void check(int r, String call) {
    if (r != 0) {
      throw new KernelException(call, "posix_spawn", r);
    }
  }
}
