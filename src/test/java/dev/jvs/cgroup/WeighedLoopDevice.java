package dev.jvs.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A loop device of the test's own, over a file on a real disk (written, not sparse, so reads go to
 * the disk), attached with direct I/O (reads bypass the backing file's page cache), on which a test
 * turns on one weight-honouring mechanism: the BFQ scheduler, or iocost (cgroup v2) with a fixed
 * cost model. Both are set on this device alone; {@link #close()} undoes them, detaches the device
 * and removes the file.
 */
final class WeighedLoopDevice implements AutoCloseable {
  private final Path backing;
  private final String name;
  private final String previousScheduler;
  private Path iocostRoot;

  private WeighedLoopDevice(Path backing, String name, String previousScheduler) {
    this.backing = backing;
    this.name = name;
    this.previousScheduler = previousScheduler;
  }

  static WeighedLoopDevice create(Path dir, long bytes) throws IOException, InterruptedException {
    Path file = Files.createTempFile(dir, "jvs-weigh", ".img");
    try {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        for (long done = 0; done < bytes; done += chunk.capacity()) {
          chunk.clear();
          while (chunk.hasRemaining()) {
            ch.write(chunk);
          }
        }
        ch.force(true);
      }
      String dev = run("losetup", "--find", "--show", "--direct-io=on", file.toString()).strip();
      String name = Path.of(dev).getFileName().toString();
      try {
        return new WeighedLoopDevice(file, name, current(Files.readString(schedulerFile(name))));
      } catch (IOException | RuntimeException e) {
        run("losetup", "-d", dev);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
  }

  String path() {
    return "/dev/" + name;
  }

  /**
   * Selects BFQ on this device, with strict_guarantees (always idle for the queue in service, one
   * request in the device at a time: weights over throughput, as BFQ's documentation advises for
   * strict shares); false when the kernel offers no BFQ (not built in, not loaded).
   */
  boolean useBfq() throws IOException {
    Path scheduler = schedulerFile(name);
    String offered = Files.readString(scheduler).replaceAll("[\\[\\]]", "").strip();
    if (!List.of(offered.split("\\s+")).contains("bfq")) {
      return false;
    }
    Files.writeString(scheduler, "bfq");
    Files.writeString(scheduler.resolveSibling("iosched/strict_guarantees"), "1");
    return current(Files.readString(scheduler)).equals("bfq");
  }

  /**
   * Enables iocost on this device in the v2 hierarchy at {@code root}, with a linear cost model of
   * {@code bytesPerSecond} and a fixed rate: the model, not the (possibly host-cached, CPU-bound)
   * hardware, is then the device's capacity, which io.weight divides. False when the kernel has no
   * iocost.
   */
  boolean useIocost(Path root, long bytesPerSecond) throws IOException {
    Path qos = root.resolve("io.cost.qos");
    if (!Files.exists(qos)) {
      return false;
    }
    String device = Files.readString(Path.of("/sys/block", name, "dev")).strip();
    Files.writeString(
        root.resolve("io.cost.model"),
        device
            + " ctrl=user model=linear rbps="
            + bytesPerSecond
            + " rseqiops=5000 rrandiops=5000 wbps="
            + bytesPerSecond
            + " wseqiops=5000 wrandiops=5000");
    iocostRoot = root;
    Files.writeString(
        qos, device + " enable=1 ctrl=user rpct=0 rlat=0 wpct=0 wlat=0 min=100.00 max=100.00");
    return true;
  }

  /** Whether the loop driver really bypasses the backing file's page cache. */
  boolean directIo() throws IOException {
    Path dio = Path.of("/sys/block", name, "loop/dio");
    return Files.exists(dio) && Files.readString(dio).strip().equals("1");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (iocostRoot != null) {
        String device = Files.readString(Path.of("/sys/block", name, "dev")).strip();
        Files.writeString(iocostRoot.resolve("io.cost.qos"), device + " enable=0 ctrl=auto");
        Files.writeString(iocostRoot.resolve("io.cost.model"), device + " ctrl=auto");
      }
      Files.writeString(schedulerFile(name), previousScheduler);
    } finally {
      try {
        run("losetup", "-d", path());
      } finally {
        Files.deleteIfExists(backing);
      }
    }
  }

  private static Path schedulerFile(String name) {
    return Path.of("/sys/block", name, "queue/scheduler");
  }

  /** "[none] mq-deadline bfq" -> "none". */
  private static String current(String schedulers) {
    return List.of(schedulers.strip().split("\\s+")).stream()
        .filter(w -> w.startsWith("[") && w.endsWith("]"))
        .map(w -> w.substring(1, w.length() - 1))
        .findFirst()
        .orElse("none");
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
    }
    return out;
  }
}
