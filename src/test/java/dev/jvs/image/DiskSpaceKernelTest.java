package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, acceptance 6 and 7: disk.space is a per-guest ext4 image for the private layer (this
 * host's / has no project quotas), full inside that guest only; io.wbps/io.rbps throttle dd on that
 * guest's loop device through blkio; io.weight lands in blkio.bfq.weight.
 */
@Tag("kernel")
class DiskSpaceKernelTest {

  /** The loop device whose backing file is {@code image}, if attached. */
  static Optional<String> loopFor(Path image) throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
      for (Path dev : s.filter(p -> p.getFileName().toString().startsWith("loop")).toList()) {
        Path backing = dev.resolve("loop/backing_file");
        if (Files.exists(backing) && Files.readString(backing).strip().equals(image.toString())) {
          return Optional.of("/dev/" + dev.getFileName());
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void aFullGuestGetsEnospcAndNobodyElseNotices() throws IOException {
    try (TestHost host = new TestHost()) {
      Guests guests = host.guests();
      GuestName small = GuestName.of("small");
      GuestName free = GuestName.of("free");
      guests.build(small, "busybox");
      guests.build(free, "busybox");
      // Private files written before the limit move into the new image.
      Files.writeString(host.dirs().guest(small).resolve("upper/before.txt"), "kept");
      guests.set(small, Map.of("disk.space", "32M"));
      guests.start(small, List.of(), Guests.Attach.DETACHED);
      guests.start(free, List.of(), Guests.Attach.DETACHED);
      Path image = host.dirs().guest(small).resolve(DiskImage.FILE);
      assertThat(loopFor(image)).isPresent();

      assertThat(host.exec(small, "cat", "/before.txt").output()).isEqualTo("kept");
      TestHost.Run full = host.exec(small, "dd", "if=/dev/zero", "of=/big", "bs=1M", "count=64");
      assertThat(full.code()).isNotZero();
      assertThat(full.output()).contains("No space left on device");
      DiskUsage usage = guests.diskUsage(small).orElseThrow();
      assertThat(usage.size()).isBetween(20L << 20, 32L << 20);
      assertThat(usage.used()).isGreaterThan(usage.size() * 9 / 10);

      TestHost.Run other = host.exec(free, "dd", "if=/dev/zero", "of=/big", "bs=1M", "count=40");
      assertThat(other.code()).as(other.output()).isZero();
      assertThat(guests.diskUsage(free)).isEmpty();
      assertThat(Files.size(host.dirs().guest(free).resolve("upper/big"))).isEqualTo(40L << 20);
      // The host's view: the image file is all small's writes ever take.
      assertThat(Files.size(image)).isEqualTo(32L << 20);
      assertThat(host.exec(small, "rm", "/big").code()).isZero();
      assertThat(host.exec(small, "sh", "-c", "echo ok > /after.txt && cat /after.txt").output())
          .isEqualTo("ok\n");

      guests.stop(small, Duration.ZERO);
      assertThat(loopFor(image)).as("loop device detached with the guest").isEmpty();
      // Growing at the next start keeps the files.
      guests.set(small, Map.of("disk.space", "48M"));
      guests.start(small, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(small, "cat", "/before.txt", "/after.txt").output())
          .isEqualTo("keptok\n");
      assertThat(guests.diskUsage(small).orElseThrow().size()).isGreaterThan(32L << 20);
      assertThatThrownBy(() -> guests.clone(small, GuestName.of("copy")))
          .hasMessage("small: is running (stop it before cloning)");
      guests.stop(small, Duration.ZERO);
      assertThat(loopFor(image)).isEmpty();
      // A clone gets a copy of the image: same files, its own space.
      GuestName copy = GuestName.of("copy");
      guests.clone(small, copy);
      assertThat(guests.config(copy).hostname()).isEqualTo("copy");
      TestHost.Run r =
          host.runApplication(
              copy, "/bin/sh", "-c", "cat /before.txt; echo mine > /after.txt; hostname");
      assertThat(r.output()).isEqualTo("keptcopy\n");
      guests.start(small, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(small, "cat", "/after.txt").output()).isEqualTo("ok\n");
    }
  }

  private static long millis(TestHost host, GuestName g, String... argv) {
    long t0 = System.nanoTime();
    TestHost.Run r = host.exec(g, argv);
    assertThat(r.code()).as(r.output()).isZero();
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Test
  void ioBandwidthLimitsThrottleDdOnTheGuestsLoopDevice() throws IOException {
    Path image;
    try (TestHost host = new TestHost()) {
      image = host.dirs().guest(GuestName.of("io")).resolve(DiskImage.FILE);
      Guests guests = host.guests();
      GuestName g = GuestName.of("io");
      guests.build(g, "busybox");
      guests.set(g, Map.of("disk.space", "64M"));
      guests.start(g, List.of(), Guests.Attach.DETACHED);
      String loop = loopFor(host.dirs().guest(g).resolve(DiskImage.FILE)).orElseThrow();
      // 4 MiB with O_DIRECT: the bios are submitted by dd itself, in the guest's cgroup.
      String[] write = {"dd", "if=/dev/zero", "of=/f", "bs=64k", "count=64", "oflag=direct"};
      String[] read = {"dd", "if=/f", "of=/dev/null", "bs=64k", "iflag=direct"};
      long freeWrite = millis(host, g, write);
      long freeRead = millis(host, g, read);

      guests.set(g, Map.of("io.wbps", loop + ":1M", "io.rbps", loop + ":1M"));
      long slowWrite = millis(host, g, write);
      long slowRead = millis(host, g, read);
      System.out.printf(
          "dd 4 MiB on %s: write %d ms -> %d ms at io.wbps=1M, read %d ms -> %d ms"
              + " at io.rbps=1M%n",
          loop, freeWrite, slowWrite, freeRead, slowRead);
      assertThat(slowWrite).isGreaterThan(2500).isGreaterThan(3 * freeWrite);
      assertThat(slowRead).isGreaterThan(2500).isGreaterThan(3 * freeRead);

      Path blkio = Path.of("/sys/fs/cgroup/blkio" + guests.status(g).cgroup());
      if (dev.jvs.testing.CgroupFiles.ioWeightAvailable()) { // no BFQ in some kernels
        // io.weight on cgroup v1 goes to BFQ's blkio.bfq.weight (CFQ's blkio.weight is gone).
        guests.set(g, Map.of("io.weight", "500"));
        assertThat(blkio.resolve("blkio.bfq.weight")).content().isEqualToIgnoringNewLines("59");
      }
      assertThat(blkio.resolve("blkio.throttle.write_bps_device")).content().contains(" 1048576");
    }
    assertThat(loopFor(image)).as("loop device detached at cleanup").isEmpty();
  }
}
