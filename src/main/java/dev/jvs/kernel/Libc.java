package dev.jvs.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The thin FFM layer over libc. Every call captures errno right after the call (the JVM may clobber
 * it otherwise) and failures become a {@link KernelException} naming call and object.
 */
public final class Libc {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

  static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

  // Each native handle sits in its own holder class, so only the calls a command uses are
  // linked: eager linking of every handle cost ~0.5 s of a cold CLI start.
  private static final class Syscall6Handle {
    static final MethodHandle H =
        downcall("syscall", FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG));
  }

  private static final class StrerrorHandle {
    static final MethodHandle H =
        LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(PTR, INT));
  }

  private static final class FlockHandle {
    static final MethodHandle H = downcall("flock", FunctionDescriptor.of(INT, INT, INT));
  }

  private static final class OpenHandle {
    static final MethodHandle H = downcall("open", FunctionDescriptor.of(INT, PTR, INT, INT));
  }

  private static final class CloseHandle {
    static final MethodHandle H = downcall("close", FunctionDescriptor.of(INT, INT));
  }

  private static final class KillHandle {
    static final MethodHandle H = downcall("kill", FunctionDescriptor.of(INT, INT, INT));
  }

  private static final class PollHandle {
    static final MethodHandle H = downcall("poll", FunctionDescriptor.of(INT, PTR, LONG, INT));
  }

  private static final class WriteHandle {
    static final MethodHandle H = downcall("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
  }

  private static final class MkdirHandle {
    static final MethodHandle H = downcall("mkdir", FunctionDescriptor.of(INT, PTR, INT));
  }

  private static final class RmdirHandle {
    static final MethodHandle H = downcall("rmdir", FunctionDescriptor.of(INT, PTR));
  }

  private static final class SetnsHandle {
    static final MethodHandle H = downcall("setns", FunctionDescriptor.of(INT, INT, INT));
  }

  private static final class SocketHandle {
    static final MethodHandle H = downcall("socket", FunctionDescriptor.of(INT, INT, INT, INT));
  }

  private static final class IoctlPtrHandle {
    static final MethodHandle H =
        LINKER.downcallHandle(
            LIBC.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(INT, INT, LONG, PTR),
            CAPTURE,
            Linker.Option.firstVariadicArg(2));
  }

  // x86_64 syscall numbers used directly (no glibc wrapper on older glibc).
  public static final long SYS_PIDFD_SEND_SIGNAL = 424;
  public static final long SYS_PIDFD_OPEN = 434;
  public static final long SYS_BPF = 321;

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_TRUNC = 01000;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_CLOEXEC = 02000000;
  public static final int LOCK_SH = 1;
  public static final int LOCK_EX = 2;
  public static final int LOCK_NB = 4;
  public static final int LOCK_UN = 8;
  public static final short POLLIN = 1;

  private Libc() {}

  private static MethodHandle downcall(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd, CAPTURE);
  }

  /** The message for an errno value, as strerror(3) gives it. */
  public static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) StrerrorHandle.H.invokeExact(errno);
      return s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }

  /** Result of a raw call: value, and errno when value is -1. */
  public record Result(long value, int errno) {
    public boolean failed() {
      return value == -1;
    }

    public long orThrow(String call, String object) {
      if (failed()) {
        throw new KernelException(call, object, errno);
      }
      return value;
    }
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /** syscall(2) with up to six integer/pointer arguments (pointers passed as addresses). */
  public static Result syscall(long nr, long... args) {
    long[] a = new long[6];
    System.arraycopy(args, 0, a, 0, args.length);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      long r = (long) Syscall6Handle.H.invokeExact(state, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result open(String path, int flags, int mode) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      int r = (int) OpenHandle.H.invokeExact(state, arena.allocateFrom(path), flags, mode);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static void close(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      int unused = (int) CloseHandle.H.invokeExact(arena.allocate(CAPTURE_LAYOUT), fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result flock(int fd, int op) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      int r = (int) FlockHandle.H.invokeExact(state, fd, op);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result kill(int pid, int signal) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      int r = (int) KillHandle.H.invokeExact(state, pid, signal);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * One write(2) of all of {@code data}; cgroup and proc files take a value per write call, so
   * callers must not split it.
   */
  public static Result write(int fd, byte[] data) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment buf = arena.allocate(Math.max(1, data.length));
      MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
      long r = (long) WriteHandle.H.invokeExact(state, fd, buf, (long) data.length);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result mkdir(String path, int mode) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      int r = (int) MkdirHandle.H.invokeExact(state, arena.allocateFrom(path), mode);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result rmdir(String path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      int r = (int) RmdirHandle.H.invokeExact(state, arena.allocateFrom(path));
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** poll(2) on one fd for readability; returns true when readable before the timeout. */
  public static boolean pollIn(int fd, int timeoutMillis) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment pfd = arena.allocate(8, 4);
      pfd.set(INT, 0, fd);
      pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
      int r = (int) PollHandle.H.invokeExact(state, pfd, 1L, timeoutMillis);
      if (r == -1) {
        int e = errno(state);
        if (e == Errno.EINTR) {
          return false;
        }
        throw new KernelException("poll", "fd " + fd, e);
      }
      return r > 0;
    } catch (KernelException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** poll(2) on several fds for readability; which are readable (none after the timeout). */
  public static boolean[] pollIn(int[] fds, int timeoutMillis) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment pfds = arena.allocate(8L * fds.length, 4);
      for (int i = 0; i < fds.length; i++) {
        pfds.set(INT, 8L * i, fds[i]);
        pfds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, POLLIN);
      }
      int r = (int) PollHandle.H.invokeExact(state, pfds, (long) fds.length, timeoutMillis);
      boolean[] ready = new boolean[fds.length];
      if (r == -1 && errno(state) != Errno.EINTR) {
        throw new KernelException("poll", fds.length + " fds", errno(state));
      }
      for (int i = 0; r > 0 && i < fds.length; i++) {
        ready[i] = pfds.get(ValueLayout.JAVA_SHORT, 8L * i + 6) != 0;
      }
      return ready;
    } catch (KernelException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result setns(int fd, int nstype) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      int r = (int) SetnsHandle.H.invokeExact(state, fd, nstype);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result socket(int domain, int type, int protocol) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      int r = (int) SocketHandle.H.invokeExact(state, domain, type, protocol);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** ioctl(2) with a pointer argument. */
  public static Result ioctl(int fd, long request, MemorySegment arg) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
      int r = (int) IoctlPtrHandle.H.invokeExact(state, fd, request, arg);
      return new Result(r, r == -1 ? errno(state) : 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }
}
