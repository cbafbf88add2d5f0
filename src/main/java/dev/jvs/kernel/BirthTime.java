package dev.jvs.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * When a file was created, by statx(2)'s birth time: empty where the file system does not keep one.
 * (The JDK's {@code creationTime} falls back to the modification time there, which would put a
 * creation late without saying so.)
 */
public final class BirthTime {
  private static final long SYS_STATX = 332;
  private static final long AT_FDCWD = -100;
  private static final int STATX_BTIME = 0x800;
  private static final long STATX_SIZE = 256;
  private static final long STX_MASK = 0;
  private static final long STX_BTIME = 80; // struct statx_timestamp {s64 tv_sec; u32 tv_nsec; …}

  private BirthTime() {}

  /** {@code file}'s birth time; empty if it does not exist or its file system keeps none. */
  public static Optional<Instant> of(Path file) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(STATX_SIZE, 8);
      MemorySegment path = arena.allocateFrom(file.toString());
      if (Libc.syscall(SYS_STATX, AT_FDCWD, path.address(), 0, STATX_BTIME, buf.address())
          .failed()) {
        return Optional.empty();
      }
      if ((buf.get(ValueLayout.JAVA_INT, STX_MASK) & STATX_BTIME) == 0) {
        return Optional.empty();
      }
      return Optional.of(
          Instant.ofEpochSecond(
              buf.get(ValueLayout.JAVA_LONG, STX_BTIME),
              Integer.toUnsignedLong(buf.get(ValueLayout.JAVA_INT, STX_BTIME + 8))));
    }
  }
}
