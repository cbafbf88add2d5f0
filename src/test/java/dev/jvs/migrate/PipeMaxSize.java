package dev.jvs.migrate;

import dev.jvs.kernel.Sysctl;
import dev.jvs.runtime.PostCopySupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * fs.pipe-max-size raised to what criu's page server needs for post-copy (PostCopySupport says
 * why), for as long as a test class runs, then put back. The sysctl is the machine's, not a
 * namespace's: the test hosts share it with everything else on this machine, and a session without
 * CAP_SYS_RESOURCE (this sandbox's root) cannot run post-copy below it. It is restored so that the
 * tests leave the host as they found it (and post-copy's fallback stays what a stock host sees).
 */
final class PipeMaxSize implements AutoCloseable {
  private static final Path SYSCTL = Path.of("/proc/sys/fs/pipe-max-size");

  private final long old;

  private PipeMaxSize(long old) {
    this.old = old;
  }

  /** Raises the sysctl to at least criu's pipe size; close() writes the old value back. */
  static PipeMaxSize raised() throws IOException {
    long old = Sysctl.readLong(SYSCTL);
    if (old < PostCopySupport.PAGE_SERVER_PIPE) {
      // a power of two above criu's 3,354,624 bytes, as the docs' sysctl line
      write(Long.highestOneBit(PostCopySupport.PAGE_SERVER_PIPE) << 1);
    }
    return new PipeMaxSize(old);
  }

  /** The value a stock host has, while {@code body} runs; then raised again. */
  void atOld(ThrowingRunnable body) throws Exception {
    long raised = Sysctl.readLong(SYSCTL);
    write(old);
    try {
      body.run();
    } finally {
      write(raised);
    }
  }

  @Override
  public void close() throws IOException {
    write(old);
  }

  private static void write(long value) throws IOException {
    Files.writeString(SYSCTL, Long.toString(value));
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
