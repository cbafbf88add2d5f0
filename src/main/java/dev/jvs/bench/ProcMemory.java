package dev.jvs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/** Memory figures from /proc, in bytes. */
final class ProcMemory {
  private static final int SAMPLES = 5;

  /** A move of MemAvailable in a second that counts as steady: 2 KiB a guest at 1000. */
  private static final long STEADY_BYTES = 2L << 20;

  private ProcMemory() {}

  /**
   * Host-wide figures of /proc/meminfo.
   *
   * @param available MemAvailable: what the host could still give without swapping
   * @param kernel SUnreclaim + KernelStack + PageTables: kernel memory that guests' namespaces,
   *     cgroups, mounts and processes pin, and that other programs' heaps do not swing
   */
  record Meminfo(long available, long kernel) {}

  /**
   * Each field's median over a few samples a quarter second apart: damps the swings that other
   * programs' allocations cause on a shared host (a lasting change it cannot remove).
   */
  static Meminfo settled() throws InterruptedException {
    long[] available = new long[SAMPLES];
    long[] kernel = new long[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      if (i > 0) {
        Thread.sleep(250);
      }
      String text = read(Path.of("/proc/meminfo"));
      available[i] = kib(text, "MemAvailable:");
      kernel[i] = kib(text, "SUnreclaim:") + kib(text, "KernelStack:") + kib(text, "PageTables:");
    }
    return new Meminfo(Quartiles.median(available), Quartiles.median(kernel));
  }

  /**
   * This JVM once a full collection ran: what it holds in memory and how much of its heap is live,
   * so that a bench can tell its own garbage (heap pages touched while it worked, which the JVM
   * keeps) from what it really retains.
   *
   * @param rss resident set size (VmRSS of /proc/self/status), in bytes
   * @param liveHeap heap in use right after the collection, in bytes
   */
  record Own(long rss, long liveHeap) {
    static Own collected() {
      System.gc();
      Runtime jvm = Runtime.getRuntime();
      long live = jvm.totalMemory() - jvm.freeMemory();
      return new Own(kib(read(Path.of("/proc/self/status")), "VmRSS:"), live);
    }
  }

  /**
   * Waits, at most {@code max}, until MemAvailable moves by less than {@link #STEADY_BYTES} in a
   * second: after a run the host frees what the run left (its JVM, dying cgroups, RCU) for seconds,
   * and background reclaim moves it too, so a snapshot taken then starts from a moving base.
   * Returns how long it waited.
   */
  static Duration awaitSteady(Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    long last = available();
    while (System.nanoTime() - t0 < max.toNanos()) {
      Thread.sleep(1000);
      long now = available();
      if (Math.abs(now - last) < STEADY_BYTES) {
        break;
      }
      last = now;
    }
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  private static long available() {
    return kib(read(Path.of("/proc/meminfo")), "MemAvailable:");
  }

  /** The host's page cache (Cached: of /proc/meminfo), in bytes. */
  static long pageCache() {
    return kib(read(Path.of("/proc/meminfo")), "Cached:");
  }

  /**
   * Proportional set size of a process (/proc/PID/smaps_rollup): its private pages plus its share
   * of pages mapped by others, so summing it over processes does not count shared pages twice. Zero
   * when the process is gone.
   */
  static long pss(long pid) {
    try {
      return kib(Files.readString(Path.of("/proc/" + pid + "/smaps_rollup")), "Pss:");
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      // ESRCH while reading: the process exited between open and read.
      return 0;
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A "Name: 123 kB" field, in bytes. */
  private static long kib(String text, String name) {
    return text.lines()
            .filter(l -> l.startsWith(name))
            .map(l -> l.substring(name.length()).replace("kB", "").strip())
            .mapToLong(Long::parseLong)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no " + name + " line"))
        * 1024;
  }
}
