package dev.jvs.serve;

import dev.jvs.kernel.Errno;
import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A unix stream socket held by its fd, through FFM: what Java's channels cannot do here, namely
 * take a listening socket systemd passed in, receive fds (SCM_RIGHTS) and learn who connected
 * (SO_PEERCRED). Calls block in the kernel, so use it from platform threads only.
 */
final class UnixSocket implements AutoCloseable {
  private static final long SYS_READ = 0;
  private static final long SYS_CLOSE = 3;
  private static final long SYS_SOCKET = 41;
  private static final long SYS_CONNECT = 42;
  private static final long SYS_SENDTO = 44;
  private static final long SYS_RECVFROM = 45;
  private static final long SYS_RECVMSG = 47;
  private static final long SYS_SHUTDOWN = 48;
  private static final long SYS_BIND = 49;
  private static final long SYS_LISTEN = 50;
  private static final long SYS_GETSOCKNAME = 51;
  private static final long SYS_GETSOCKOPT = 55;
  private static final long SYS_FCNTL = 72;
  private static final long SYS_ACCEPT4 = 288;
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_TYPE = 3;
  private static final int SO_PEERCRED = 17;
  private static final int SO_ACCEPTCONN = 30;
  private static final int SO_DOMAIN = 39;
  private static final int SCM_RIGHTS = 1;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int MSG_CTRUNC = 0x8;
  private static final int MSG_PEEK = 0x2;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;
  private static final int SHUT_WR = 1;
  private static final int SHUT_RDWR = 2;
  private static final int F_SETFD = 2;
  private static final int FD_CLOEXEC = 1;
  private static final int SUN_PATH = 108;
  private static final int ECONNABORTED = 103;
  private static final int ECONNREFUSED = 111;

  private final int fd;
  private volatile boolean closed;

  private UnixSocket(int fd) {
    this.fd = fd;
  }

  int fd() {
    return fd;
  }

  /** A listening socket bound at {@code path} (which must not exist), with a backlog of 128. */
  static UnixSocket listen(Path path) {
    UnixSocket s = open(path);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment addr = address(arena, path);
      Libc.syscall(SYS_BIND, s.fd, addr.address(), addr.byteSize())
          .orThrow("bind", path.toString());
      Libc.syscall(SYS_LISTEN, s.fd, 128).orThrow("listen", path.toString());
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** Whether something accepts connections at {@code path} (false: refused or absent). */
  static boolean answers(Path path) {
    try (UnixSocket s = open(path);
        Arena arena = Arena.ofConfined()) {
      MemorySegment addr = address(arena, path);
      Libc.Result r = Libc.syscall(SYS_CONNECT, s.fd, addr.address(), addr.byteSize());
      if (r.failed() && (r.errno() == ECONNREFUSED || r.errno() == Errno.ENOENT)) {
        return false;
      }
      r.orThrow("connect", path.toString());
      return true;
    }
  }

  /**
   * The listening unix socket systemd passed as fd 3 (socket activation: LISTEN_PID is this
   * process, LISTEN_FDS at least 1), made close-on-exec; null when there is none.
   */
  static UnixSocket inherited(String listenPid, String listenFds) {
    if (listenPid == null
        || listenFds == null
        || !listenPid.equals(Long.toString(ProcessHandle.current().pid()))) {
      return null;
    }
    int count;
    try {
      count = Integer.parseInt(listenFds.strip());
    } catch (NumberFormatException e) {
      return null;
    }
    if (count < 1) {
      return null;
    }
    UnixSocket s = new UnixSocket(3);
    Libc.syscall(SYS_FCNTL, 3, F_SETFD, FD_CLOEXEC).orThrow("fcntl", "fd 3 (LISTEN_FDS)");
    if (s.intOption(SO_DOMAIN) != AF_UNIX
        || s.intOption(SO_TYPE) != SOCK_STREAM
        || s.intOption(SO_ACCEPTCONN) != 1) {
      throw new KernelException(
          "socket activation", "fd 3 is not a listening unix stream socket", Errno.EINVAL);
    }
    return s;
  }

  /** The path this socket is bound to, or "" when it has none. */
  String boundPath() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment addr = arena.allocate(2 + SUN_PATH, 8);
      MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
      len.set(ValueLayout.JAVA_INT, 0, (int) addr.byteSize());
      Libc.syscall(SYS_GETSOCKNAME, fd, addr.address(), len.address()).orThrow("getsockname", "");
      int n = len.get(ValueLayout.JAVA_INT, 0) - 2;
      byte[] path = addr.asSlice(2, Math.max(0, n)).toArray(ValueLayout.JAVA_BYTE);
      int end = 0;
      while (end < path.length && path[end] != 0) {
        end++;
      }
      return new String(path, 0, end, StandardCharsets.UTF_8);
    }
  }

  /**
   * The next connection, or null when none came within {@code timeoutMillis} (so that a caller can
   * stop without touching a socket that systemd shares with it).
   */
  UnixSocket accept(int timeoutMillis) throws IOException {
    if (!Libc.pollIn(fd, timeoutMillis)) {
      return null;
    }
    while (true) {
      Libc.Result r = Libc.syscall(SYS_ACCEPT4, fd, 0, 0, SOCK_CLOEXEC);
      if (!r.failed()) {
        return new UnixSocket((int) r.value());
      }
      if (r.errno() == Errno.EAGAIN || r.errno() == ECONNABORTED) {
        return null; // taken or given up between poll and accept
      }
      if (r.errno() != Errno.EINTR) {
        throw new IOException("accept: " + Libc.strerror(r.errno()));
      }
    }
  }

  /** The peer's credentials: pid and uid. */
  long[] peer() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cred = arena.allocate(12, 4); // struct ucred { pid, uid, gid }
      MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
      len.set(ValueLayout.JAVA_INT, 0, 12);
      Libc.syscall(SYS_GETSOCKOPT, fd, SOL_SOCKET, SO_PEERCRED, cred.address(), len.address())
          .orThrow("getsockopt", "SO_PEERCRED");
      return new long[] {cred.get(ValueLayout.JAVA_INT, 0), cred.get(ValueLayout.JAVA_INT, 4)};
    }
  }

  /** What one recvmsg(2) got: bytes (possibly none at EOF) and the fds that came with them. */
  record Received(byte[] data, int[] fds) {}

  /**
   * One recvmsg(2) of up to {@code max} bytes with room for {@code maxFds} fds (received
   * close-on-exec). Fds beyond that room are closed by the kernel and reported as truncation.
   */
  Received receive(int max, int maxFds) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(max);
      MemorySegment iov = arena.allocate(16, 8);
      iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
      iov.set(ValueLayout.JAVA_LONG, 8, max);
      long space = 16 + ((4L * maxFds + 7) & ~7); // CMSG_SPACE
      MemorySegment control = arena.allocate(space, 8);
      MemorySegment msg = arena.allocate(56, 8); // struct msghdr, no name
      msg.set(ValueLayout.JAVA_LONG, 16, iov.address());
      msg.set(ValueLayout.JAVA_LONG, 24, 1);
      msg.set(ValueLayout.JAVA_LONG, 32, control.address());
      msg.set(ValueLayout.JAVA_LONG, 40, space);
      Libc.Result r;
      do {
        r = Libc.syscall(SYS_RECVMSG, fd, msg.address(), MSG_CMSG_CLOEXEC);
      } while (r.failed() && r.errno() == Errno.EINTR);
      if (r.failed()) {
        throw new IOException("recvmsg: " + Libc.strerror(r.errno()));
      }
      int[] fds = new int[0];
      long controlLen = msg.get(ValueLayout.JAVA_LONG, 40);
      if (controlLen >= 16) {
        long cmsgLen = control.get(ValueLayout.JAVA_LONG, 0);
        if (control.get(ValueLayout.JAVA_INT, 8) == SOL_SOCKET
            && control.get(ValueLayout.JAVA_INT, 12) == SCM_RIGHTS
            && cmsgLen >= 16) {
          fds = new int[(int) ((cmsgLen - 16) / 4)];
          for (int i = 0; i < fds.length; i++) {
            fds[i] = control.get(ValueLayout.JAVA_INT, 16 + 4L * i);
          }
        }
      }
      if ((msg.get(ValueLayout.JAVA_INT, 48) & MSG_CTRUNC) != 0) {
        closeAll(fds);
        throw new IOException("more fds than " + maxFds + " came with the request");
      }
      return new Received(buf.asSlice(0, r.value()).toArray(ValueLayout.JAVA_BYTE), fds);
    }
  }

  /**
   * The first byte the peer sent, left unread (recv MSG_PEEK; fds sent with it stay queued too), or
   * -1 at EOF. Blocks until the peer sends.
   */
  int peekByte() throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(1);
      Libc.Result r;
      do {
        r = Libc.syscall(SYS_RECVFROM, fd, buf.address(), 1, MSG_PEEK, 0, 0);
      } while (r.failed() && r.errno() == Errno.EINTR);
      if (r.failed()) {
        throw new IOException("recv: " + Libc.strerror(r.errno()));
      }
      return r.value() == 0 ? -1 : buf.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
    }
  }

  /** Ends the sending direction only: the peer reads EOF, and may still send. */
  void shutdownOutput() {
    Libc.syscall(SYS_SHUTDOWN, fd, SHUT_WR);
  }

  /** One read(2) into {@code b}: the count, or -1 at EOF. */
  int read(byte[] b) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(b.length);
      Libc.Result r;
      do {
        r = Libc.syscall(SYS_READ, fd, buf.address(), b.length);
      } while (r.failed() && r.errno() == Errno.EINTR);
      if (r.failed()) {
        throw new IOException("read: " + Libc.strerror(r.errno()));
      }
      MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, 0, (int) r.value());
      return r.value() == 0 ? -1 : (int) r.value();
    }
  }

  /** Sends all of {@code data}, never raising SIGPIPE. */
  void write(byte[] data) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(Math.max(1, data.length));
      MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
      long off = 0;
      while (off < data.length) {
        Libc.Result r =
            Libc.syscall(
                SYS_SENDTO, fd, buf.address() + off, data.length - off, MSG_NOSIGNAL, 0, 0);
        if (r.failed() && r.errno() == Errno.EINTR) {
          continue;
        }
        if (r.failed()) {
          throw new IOException("send: " + Libc.strerror(r.errno()));
        }
        off += r.value();
      }
    }
  }

  /**
   * Ends both directions: a read or accept blocked on this socket in another thread returns (close
   * alone would not wake it), and the peer sees EOF.
   */
  void shutdown() {
    Libc.syscall(SYS_SHUTDOWN, fd, SHUT_RDWR);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Libc.syscall(SYS_CLOSE, fd);
    }
  }

  static void closeAll(int[] fds) {
    for (int f : fds) {
      Libc.syscall(SYS_CLOSE, f);
    }
  }

  private int intOption(int name) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
      MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
      len.set(ValueLayout.JAVA_INT, 0, 4);
      Libc.syscall(SYS_GETSOCKOPT, fd, SOL_SOCKET, name, value.address(), len.address())
          .orThrow("getsockopt", "fd " + fd);
      return value.get(ValueLayout.JAVA_INT, 0);
    }
  }

  private static UnixSocket open(Path path) {
    int fd =
        (int)
            Libc.syscall(SYS_SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)
                .orThrow("socket", path.toString());
    return new UnixSocket(fd);
  }

  private static MemorySegment address(Arena arena, Path path) {
    byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
    if (name.length >= SUN_PATH) {
      throw new KernelException("bind", path.toString(), Errno.ENAMETOOLONG);
    }
    MemorySegment addr = arena.allocate(2 + SUN_PATH, 8);
    addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
    return addr;
  }
}
