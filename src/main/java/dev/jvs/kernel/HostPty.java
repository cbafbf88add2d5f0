package dev.jvs.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A pseudo-terminal pair on the host's devpts, for a command whose terminal is not a caller's (the
 * REST API's websocket exec): the service keeps the master, the command's monitor gets the slave as
 * its stdio and relays it to the guest's own pty as it does a client's terminal.
 */
public final class HostPty implements AutoCloseable {
  private static final long TIOCGPTN = 0x80045430L;
  private static final long TIOCSPTLCK = 0x40045431L;
  private static final long TIOCSWINSZ = 0x5414L;
  private static final int O_NOCTTY = 0400;
  private static final long SYS_READ = 0;

  private final int master;
  private final int slave; // held open so that the master reads EIO only once the command's end
  private final Path slavePath;
  private volatile boolean closed;
  private boolean slaveOpen = true;

  private HostPty(int master, int slave, Path slavePath) {
    this.master = master;
    this.slave = slave;
    this.slavePath = slavePath;
  }

  public static HostPty open() {
    int master =
        (int)
            Libc.open("/dev/ptmx", Libc.O_RDWR | O_NOCTTY | Libc.O_CLOEXEC, 0)
                .orThrow("open", "/dev/ptmx");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
      n.set(ValueLayout.JAVA_INT, 0, 0);
      Libc.ioctl(master, TIOCSPTLCK, n).orThrow("ioctl TIOCSPTLCK", "/dev/ptmx");
      Libc.ioctl(master, TIOCGPTN, n).orThrow("ioctl TIOCGPTN", "/dev/ptmx");
      Path path = Path.of("/dev/pts/" + n.get(ValueLayout.JAVA_INT, 0));
      int slave =
          (int)
              Libc.open(path.toString(), Libc.O_RDWR | O_NOCTTY | Libc.O_CLOEXEC, 0)
                  .orThrow("open", path.toString());
      return new HostPty(master, slave, path);
    } catch (RuntimeException e) {
      Libc.close(master);
      throw e;
    }
  }

  /** The slave's path, for the command's stdin, stdout and stderr. */
  public Path slave() {
    return slavePath;
  }

  /** The command has its own copies of the slave now: the master's reads end with its end. */
  public synchronized void releaseSlave() {
    if (slaveOpen) {
      slaveOpen = false;
      Libc.close(slave);
    }
  }

  public void resize(int cols, int rows) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ws = arena.allocate(8);
      ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
      ws.set(ValueLayout.JAVA_SHORT, 2, (short) cols);
      Libc.ioctl(master, TIOCSWINSZ, ws).orThrow("ioctl TIOCSWINSZ", slavePath.toString());
    }
  }

  /**
   * What the command wrote, waiting up to {@code millis}: empty when nothing came, null once the
   * terminal has no writer left (EIO) or is closed.
   */
  public byte[] read(int millis) {
    if (closed) {
      return null;
    }
    if (!Libc.pollIn(master, millis)) {
      return new byte[0];
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(16 * 1024);
      Libc.Result r = Libc.syscall(SYS_READ, master, buf.address(), buf.byteSize());
      if (r.failed() || r.value() == 0) {
        return null;
      }
      return buf.asSlice(0, r.value()).toArray(ValueLayout.JAVA_BYTE);
    }
  }

  public void write(byte[] data) {
    int off = 0;
    while (off < data.length && !closed) {
      byte[] rest = off == 0 ? data : java.util.Arrays.copyOfRange(data, off, data.length);
      Libc.Result r = Libc.write(master, rest);
      if (r.failed()) {
        return; // the command is gone
      }
      off += (int) r.value();
    }
  }

  @Override
  public synchronized void close() {
    releaseSlave();
    if (!closed) {
      closed = true;
      Libc.close(master);
    }
  }
}
