package dev.jvs.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Hands file descriptors to another process over a Unix stream socket (SCM_RIGHTS), which Java's
 * own channels cannot do: one message of text with the fds, then one line of answer.
 */
public final class FdPassing {
  private static final long SYS_READ = 0;
  private static final long SYS_SOCKET = 41;
  private static final long SYS_CONNECT = 42;
  private static final long SYS_SENDMSG = 46;
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM_CLOEXEC = 1 | 02000000;
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final int O_PATH = 010000000;
  private static final int SUN_PATH = 108;

  private FdPassing() {}

  /**
   * Connects to {@code socket}, sends {@code text} with {@code fds}, and returns the first line the
   * other side answers (without its newline), or "" if it hung up first.
   */
  public static String exchange(Path socket, String text, int[] fds) {
    int dir =
        (int)
            Libc.open(socket.getParent().toString(), O_PATH | Libc.O_CLOEXEC, 0)
                .orThrow("open", socket.getParent().toString());
    try {
      int s =
          (int)
              Libc.syscall(SYS_SOCKET, AF_UNIX, SOCK_STREAM_CLOEXEC, 0)
                  .orThrow("socket", socket.toString());
      try (Arena arena = Arena.ofConfined()) {
        // Through the directory's fd: a socket path may be longer than sun_path's 108 bytes.
        byte[] name =
            ("/proc/self/fd/" + dir + "/" + socket.getFileName()).getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
          throw new KernelException("connect", socket.toString(), Errno.ENAMETOOLONG);
        }
        MemorySegment addr = arena.allocate(2 + SUN_PATH, 8);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
        Libc.syscall(SYS_CONNECT, s, addr.address(), 2 + SUN_PATH)
            .orThrow("connect", socket.toString());
        send(arena, s, text.getBytes(StandardCharsets.UTF_8), fds, socket);
        return readLine(arena, s, socket);
      } finally {
        Libc.close(s);
      }
    } finally {
      Libc.close(dir);
    }
  }

  private static void send(Arena arena, int s, byte[] data, int[] fds, Path socket) {
    MemorySegment buf = arena.allocate(Math.max(1, data.length));
    MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
    MemorySegment iov = arena.allocate(16, 8); // struct iovec
    iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
    iov.set(ValueLayout.JAVA_LONG, 8, data.length);
    long cmsgLen = 16 + 4L * fds.length; // CMSG_LEN
    MemorySegment control = arena.allocate((cmsgLen + 7) & ~7, 8); // CMSG_SPACE
    control.set(ValueLayout.JAVA_LONG, 0, cmsgLen);
    control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
    control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
    for (int i = 0; i < fds.length; i++) {
      control.set(ValueLayout.JAVA_INT, 16 + 4L * i, fds[i]);
    }
    MemorySegment msg = arena.allocate(56, 8); // struct msghdr, no name
    msg.set(ValueLayout.JAVA_LONG, 16, iov.address());
    msg.set(ValueLayout.JAVA_LONG, 24, 1);
    msg.set(ValueLayout.JAVA_LONG, 32, control.address());
    msg.set(ValueLayout.JAVA_LONG, 40, control.byteSize());
    Libc.syscall(SYS_SENDMSG, s, msg.address(), 0).orThrow("sendmsg", socket.toString());
  }

  private static String readLine(Arena arena, int s, Path socket) {
    MemorySegment b = arena.allocate(1);
    StringBuilder line = new StringBuilder();
    while (true) {
      Libc.Result r = Libc.syscall(SYS_READ, s, b.address(), 1);
      if (r.failed() && r.errno() == Errno.EINTR) {
        continue;
      }
      r.orThrow("read", socket.toString());
      char c = (char) b.get(ValueLayout.JAVA_BYTE, 0);
      if (r.value() == 0 || c == '\n') {
        return line.toString();
      }
      line.append(c);
    }
  }
}
