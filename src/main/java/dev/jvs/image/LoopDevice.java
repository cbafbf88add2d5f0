package dev.jvs.image;

import dev.jvs.kernel.Errno;
import dev.jvs.kernel.KernelException;
import dev.jvs.kernel.Libc;
import dev.jvs.limits.DeviceRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loop device over an image file, attached with LO_FLAGS_AUTOCLEAR: the kernel detaches it when
 * its last user goes. jvs holds it open only until the guest's launch program has mounted it inside
 * the guest's mount namespace; from then on the mount is the only user, so the device vanishes with
 * the guest, and a CLI killed before the mount leaves nothing attached either.
 */
public final class LoopDevice implements AutoCloseable {
  private static final long SYS_IOCTL = 16;
  private static final long LOOP_CTL_GET_FREE = 0x4C82;
  private static final long LOOP_CONFIGURE = 0x4C0A;
  private static final int LO_FLAGS_AUTOCLEAR = 4;

  /** struct loop_config: fd, block_size, loop_info64 (232 bytes), 8 reserved u64. */
  private static final int CONFIG_SIZE = 4 + 4 + 232 + 64;

  private static final int FLAGS_OFFSET = 8 + 5 * 8 + 3 * 4;

  private final int fd;
  private final String path;

  private LoopDevice(int fd, String path) {
    this.fd = fd;
    this.path = path;
  }

  public String path() {
    return path;
  }

  /**
   * {@code devices} plus read/write access to this device: the launch program's mount runs in the
   * guest's device cgroup. The guest cannot open it itself: its /dev has no node for it and block
   * mknod is denied.
   */
  public List<DeviceRule> allowedWith(List<DeviceRule> devices) {
    try {
      long rdev = ((Number) Files.getAttribute(Path.of(path), "unix:rdev")).longValue();
      int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
      int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
      List<DeviceRule> out = new ArrayList<>(devices);
      out.add(new DeviceRule('b', major, minor, "rw"));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": " + e.getMessage(), e);
    }
  }

  public static LoopDevice attach(Path image) {
    int backing =
        (int)
            Libc.open(image.toString(), Libc.O_RDWR | Libc.O_CLOEXEC, 0)
                .orThrow("open", image.toString());
    try {
      int control =
          (int)
              Libc.open("/dev/loop-control", Libc.O_RDWR | Libc.O_CLOEXEC, 0)
                  .orThrow("open", "/dev/loop-control");
      try {
        for (int attempt = 0; ; attempt++) {
          long n =
              Libc.syscall(SYS_IOCTL, control, LOOP_CTL_GET_FREE)
                  .orThrow("ioctl(LOOP_CTL_GET_FREE)", "/dev/loop-control");
          String dev = "/dev/loop" + n;
          int fd = (int) Libc.open(dev, Libc.O_RDWR | Libc.O_CLOEXEC, 0).orThrow("open", dev);
          Libc.Result r = configure(fd, backing);
          if (!r.failed()) {
            return new LoopDevice(fd, dev);
          }
          Libc.close(fd);
          // Another process took this device between GET_FREE and CONFIGURE: take the next.
          if (r.errno() != Errno.EBUSY || attempt > 16) {
            throw new KernelException("ioctl(LOOP_CONFIGURE)", dev + " over " + image, r.errno());
          }
        }
      } finally {
        Libc.close(control);
      }
    } finally {
      Libc.close(backing);
    }
  }

  private static Libc.Result configure(int fd, int backing) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment config = arena.allocate(CONFIG_SIZE, 8);
      config.set(ValueLayout.JAVA_INT, 0, backing);
      config.set(ValueLayout.JAVA_INT, FLAGS_OFFSET, LO_FLAGS_AUTOCLEAR);
      return Libc.syscall(SYS_IOCTL, fd, LOOP_CONFIGURE, config.address());
    }
  }

  /** Drops jvs's reference; with no mount on it the kernel detaches the device. */
  @Override
  public void close() {
    Libc.close(fd);
  }
}
