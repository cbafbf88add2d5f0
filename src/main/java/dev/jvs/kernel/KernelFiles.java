package dev.jvs.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads the kernel's small generated files (cgroupfs, procfs, sysfs) with open, read until end and
 * close into a native buffer the thread reuses. Files.readString spends most of its time on what a
 * regular file needs (a channel, its cleaner, a size probe, a growing heap array): a metrics look
 * reads about ten thousand such files.
 */
public final class KernelFiles {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
  private static final MethodHandle OPEN =
      downcall(
          "open",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT));
  private static final MethodHandle READ =
      downcall(
          "read",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private static final int PATH_MAX = 4096;
  private static final int FIRST_SIZE = 16 * 1024;
  private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

  /** A thread's native path and data space, freed with the thread (an automatic arena). */
  private static final class Buffer {
    final Arena arena = Arena.ofAuto();
    final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
    final MemorySegment path = arena.allocate(PATH_MAX);
    MemorySegment data = arena.allocate(FIRST_SIZE);
    byte[] bytes = new byte[FIRST_SIZE];

    void grow() {
      MemorySegment bigger = arena.allocate(data.byteSize() * 2);
      MemorySegment.copy(data, 0, bigger, 0, data.byteSize());
      data = bigger;
      bytes = new byte[(int) bigger.byteSize()];
    }
  }

  private KernelFiles() {}

  private static MethodHandle downcall(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, CAPTURE);
  }

  /** The whole file, or null when it does not exist; other errors throw naming the file. */
  public static String readIfExists(Path file) {
    Buffer b = BUFFERS.get();
    int length = read(b, file.toString());
    return length < 0 ? null : new String(b.bytes, 0, length, StandardCharsets.UTF_8);
  }

  /** Bytes read into b.bytes, or -1 for ENOENT. */
  private static int read(Buffer b, String path) {
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    if (name.length >= PATH_MAX) {
      throw new KernelException("open", path, Errno.ENAMETOOLONG);
    }
    MemorySegment.copy(name, 0, b.path, ValueLayout.JAVA_BYTE, 0, name.length);
    b.path.set(ValueLayout.JAVA_BYTE, name.length, (byte) 0);
    try {
      int fd = (int) OPEN.invokeExact(b.state, b.path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
      if (fd < 0) {
        int errno = (int) ERRNO.get(b.state, 0L);
        if (errno == Errno.ENOENT) {
          return -1;
        }
        throw new KernelException("open", path, errno);
      }
      try {
        long length = 0;
        while (true) {
          if (length == b.data.byteSize()) {
            b.grow();
          }
          long n =
              (long)
                  READ.invokeExact(b.state, fd, b.data.asSlice(length), b.data.byteSize() - length);
          if (n < 0) {
            int errno = (int) ERRNO.get(b.state, 0L);
            if (errno == Errno.EINTR) {
              continue;
            }
            throw new KernelException("read", path, errno);
          }
          if (n == 0) {
            break;
          }
          length += n;
        }
        MemorySegment.copy(b.data, ValueLayout.JAVA_BYTE, 0, b.bytes, 0, (int) length);
        return (int) length;
      } finally {
        int unused = (int) CLOSE.invokeExact(b.state, fd);
      }
    } catch (KernelException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
