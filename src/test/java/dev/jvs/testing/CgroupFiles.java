package dev.jvs.testing;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupV1Driver;
import dev.jvs.cgroup.CgroupV2Driver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads what landed in a guest's cgroup control file on whichever driver this host uses, so one
 * test body checks the kernel on a v1 host and on the cgroup v2 test host.
 */
public final class CgroupFiles {
  private CgroupFiles() {}

  /**
   * Whether a v1 host's kernel offers an I/O weight at all (BFQ's blkio.bfq.weight or CFQ's
   * blkio.weight); on a kernel without either, jvs refuses io.weight, and the tests of where the
   * weight lands have nothing to look at. The v2 drivers always offer io.weight.
   */
  public static boolean ioWeightAvailable() {
    return !(CgroupDriver.detect() instanceof CgroupV1Driver)
        || Files.exists(Path.of("/sys/fs/cgroup/blkio/blkio.bfq.weight"))
        || Files.exists(Path.of("/sys/fs/cgroup/blkio/blkio.weight"));
  }

  /**
   * The stripped content of the control file.
   *
   * @param cgroup the guest's cgroup as {@code GuestStatus.cgroup()} shows it: "/jvs-1a2b/web1"
   * @param v1Controller the v1 hierarchy holding {@code v1File}, e.g. "memory"
   */
  public static String read(String cgroup, String v1Controller, String v1File, String v2File) {
    boolean v1 = CgroupDriver.detect() instanceof CgroupV1Driver;
    Path file = dir(cgroup, v1Controller).resolve(v1 ? v1File : v2File);
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The cgroup's directory: in the v1 hierarchy of {@code v1Controller}, or the one on v2.
   *
   * @param cgroup as {@code GuestStatus.cgroup()} shows it, or "/" + a parent: "/jvs-1a2b"
   */
  public static Path dir(String cgroup, String v1Controller) {
    String relative = cgroup.startsWith("/") ? cgroup.substring(1) : cgroup;
    return switch (CgroupDriver.detect()) {
      case CgroupV1Driver v1 -> Path.of("/sys/fs/cgroup", v1Controller, relative);
      case CgroupV2Driver v2 -> v2.root().resolve(relative);
    };
  }
}
