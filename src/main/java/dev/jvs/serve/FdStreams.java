package dev.jvs.serve;

import dev.jvs.kernel.Errno;
import dev.jvs.kernel.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Streams over an fd of this process by read(2) and write(2): a service's caller's stdin, stdout
 * and stderr, which it handed over (SCM_RIGHTS), so that a verb's output goes straight to the
 * caller's terminal, pipe or file. Java has no public way to wrap a bare fd.
 */
final class FdStreams {
  private static final long SYS_READ = 0;
  private static final long SYS_WRITE = 1;
  private static final long SYS_IOCTL = 16;
  private static final long TCGETS = 0x5401;
  private static final int CHUNK = 64 * 1024;

  private FdStreams() {}

  /** Whether {@code fd} is a terminal (isatty). */
  static boolean isTerminal(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment termios = arena.allocate(64, 8);
      return !Libc.syscall(SYS_IOCTL, fd, TCGETS, termios.address()).failed();
    }
  }

  /** The caller's output. A reader that went away (EPIPE) loses what follows, as it would. */
  static final class Out extends OutputStream {
    private final int fd;
    private boolean broken;

    Out(int fd) {
      this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      if (broken || len == 0) {
        return;
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment buf = arena.allocate(Math.min(len, CHUNK));
        while (len > 0) {
          int n = (int) Math.min(len, buf.byteSize());
          MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, n);
          long done = 0;
          while (done < n) {
            Libc.Result r = Libc.syscall(SYS_WRITE, fd, buf.address() + done, n - done);
            if (r.failed() && r.errno() == Errno.EINTR) {
              continue;
            }
            if (r.failed() && r.errno() == Errno.EAGAIN) { // the caller's file is non-blocking
              waitWritable();
              continue;
            }
            if (r.failed()) {
              broken = true; // EPIPE, EIO: as a JVM's System.out, go on without output
              return;
            }
            done += r.value();
          }
          off += n;
          len -= n;
        }
      }
    }

    private void waitWritable() {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment pfd = arena.allocate(8, 4);
        pfd.set(ValueLayout.JAVA_INT, 0, fd);
        pfd.set(ValueLayout.JAVA_SHORT, 4, (short) 4); // POLLOUT
        Libc.syscall(7, pfd.address(), 1, 1000); // poll(2); a timeout just retries
      }
    }
  }

  /** The caller's input. */
  static final class In extends InputStream {
    private final int fd;

    In(int fd) {
      this.fd = fd;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment buf = arena.allocate(Math.min(len, CHUNK));
        while (true) {
          Libc.Result r = Libc.syscall(SYS_READ, fd, buf.address(), buf.byteSize());
          if (r.failed() && r.errno() == Errno.EINTR) {
            continue;
          }
          if (r.failed() && r.errno() == Errno.EAGAIN) {
            Libc.pollIn(fd, 1000);
            continue;
          }
          if (r.failed()) {
            throw new IOException("read stdin: " + Libc.strerror(r.errno()));
          }
          if (r.value() == 0) {
            return -1;
          }
          MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) r.value());
          return (int) r.value();
        }
      }
    }
  }
}
