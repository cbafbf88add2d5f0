package dev.jvs.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One end of a connected pair of Unix stream sockets (socketpair(2)), held by its fd: the other end
 * is handed to a child process, so the two talk with no address anyone else could reach. Java's
 * channels cannot make such a pair nor wrap a bare fd.
 */
public final class SocketPair implements AutoCloseable {
  private static final long SYS_READ = 0;
  private static final long SYS_SENDTO = 44;
  private static final long SYS_SHUTDOWN = 48;
  private static final long SYS_SOCKETPAIR = 53;
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM_CLOEXEC = 1 | 02000000;
  private static final int SHUT_WR = 1;
  private static final int SHUT_RDWR = 2;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int CHUNK = 64 * 1024;

  private final int fd;

  /** I/O holds the read side; close takes the write side, so no call ever uses a reused fd. */
  private final ReadWriteLock use = new ReentrantReadWriteLock();

  private boolean closed;

  private SocketPair(int fd) {
    this.fd = fd;
  }

  /** A new connected pair, both ends close-on-exec. */
  public static SocketPair[] open() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
      Libc.syscall(SYS_SOCKETPAIR, AF_UNIX, SOCK_STREAM_CLOEXEC, 0, fds.address())
          .orThrow("socketpair", "AF_UNIX");
      return new SocketPair[] {
        new SocketPair(fds.getAtIndex(ValueLayout.JAVA_INT, 0)),
        new SocketPair(fds.getAtIndex(ValueLayout.JAVA_INT, 1))
      };
    }
  }

  /** The fd, to hand to a child (posix_spawn's dup2 clears close-on-exec on its copy). */
  public int fd() {
    return fd;
  }

  public InputStream in() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return len == 0 ? 0 : SocketPair.this.read(b, off, Math.min(len, CHUNK));
      }
    };
  }

  public OutputStream out() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
          int n = Math.min(len, CHUNK);
          SocketPair.this.write(b, off, n);
          off += n;
          len -= n;
        }
      }
    };
  }

  /** Ends the sending direction: the other end reads EOF, and may still send. */
  public void shutdownOutput() {
    io(() -> Libc.syscall(SYS_SHUTDOWN, fd, SHUT_WR));
  }

  /**
   * Closes this process's fd only, once a child has its own copy: shutdown would end the socket for
   * the child too (it acts on the socket, not the fd).
   */
  public void handedOver() {
    closeFd();
  }

  /** Wakes whoever is blocked on this end (close alone would not), then closes it. */
  @Override
  public void close() {
    use.readLock().lock();
    try {
      if (!closed) {
        Libc.syscall(SYS_SHUTDOWN, fd, SHUT_RDWR);
      }
    } finally {
      use.readLock().unlock();
    }
    closeFd();
  }

  /** Closes the fd once, when no call is using it. */
  private void closeFd() {
    use.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        Libc.close(fd);
      }
    } finally {
      use.writeLock().unlock();
    }
  }

  private int read(byte[] b, int off, int len) throws IOException {
    Libc.Result r =
        io(
            () -> {
              try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(len);
                Libc.Result x;
                do {
                  x = Libc.syscall(SYS_READ, fd, buf.address(), len);
                } while (x.failed() && x.errno() == Errno.EINTR);
                if (!x.failed()) {
                  MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) x.value());
                }
                return x;
              }
            });
    if (r.failed()) {
      throw new IOException("read: " + Libc.strerror(r.errno()));
    }
    return r.value() == 0 ? -1 : (int) r.value();
  }

  private void write(byte[] b, int off, int len) throws IOException {
    Libc.Result r =
        io(
            () -> {
              try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(len);
                MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
                long done = 0;
                while (done < len) {
                  Libc.Result x =
                      Libc.syscall(
                          SYS_SENDTO, fd, buf.address() + done, len - done, MSG_NOSIGNAL, 0, 0);
                  if (x.failed() && x.errno() == Errno.EINTR) {
                    continue;
                  }
                  if (x.failed()) {
                    return x;
                  }
                  done += x.value();
                }
                return new Libc.Result(done, 0);
              }
            });
    if (r.failed()) {
      throw new IOException("send: " + Libc.strerror(r.errno()));
    }
  }

  /** One call on the fd, unless closed: then as a closed socket (EBADF). */
  private Libc.Result io(java.util.function.Supplier<Libc.Result> call) {
    use.readLock().lock();
    try {
      return closed ? new Libc.Result(-1, Errno.EBADF) : call.get();
    } finally {
      use.readLock().unlock();
    }
  }
}
