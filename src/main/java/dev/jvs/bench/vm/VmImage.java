package dev.jvs.bench.vm;

import dev.jvs.base.JvsException;
import dev.jvs.bench.net.HostBinaries;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The VM contender's initramfs: the guests' own root filesystem (the busybox template), the files a
 * benchmark adds to it (a probe, iperf3 with its libraries), the virtio modules of Debian's kernel
 * and an /init that serves commands over a virtio-serial port (see the init resource). The whole
 * userland lives in the initramfs, so nothing is shared with the host while it runs.
 */
public final class VmImage {
  /** Load order: nothing inside resolves module dependencies (no depmod/modprobe). */
  static final List<String> MODULES =
      List.of(
          "drivers/virtio/virtio_ring",
          "drivers/virtio/virtio",
          "drivers/virtio/virtio_pci_legacy_dev",
          "drivers/virtio/virtio_pci_modern_dev",
          "drivers/virtio/virtio_pci",
          "drivers/char/virtio_console",
          "net/core/failover",
          "drivers/net/net_failover",
          "drivers/net/virtio_net");

  private VmImage() {}

  /**
   * Writes {@code dir}/initramfs.cpio and returns it.
   *
   * @param files host file to its absolute path inside (made executable)
   * @param hostBinaries dynamically linked host programs to copy with their libraries
   */
  public static Path build(
      Path dir,
      DebianKernel kernel,
      Path rootfs,
      Map<Path, String> files,
      List<String> hostBinaries) {
    Path root = dir.resolve("initramfs");
    Path cpio = dir.resolve("initramfs.cpio");
    try {
      Files.createDirectories(root);
      Shell.check(
          "vm image", List.of("cp", "-a", rootfs + "/.", root.toString()), Duration.ofMinutes(2));
      for (var f : files.entrySet()) {
        Path target = root.resolve(f.getValue().substring(1));
        Files.createDirectories(target.getParent());
        Files.copy(f.getKey(), target, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      hostBinaries.forEach(b -> HostBinaries.install(root, b));
      Path modules = root.resolve("modules");
      Files.createDirectories(modules);
      List<String> order = new ArrayList<>();
      for (String m : MODULES) {
        Path ko = kernel.modules().resolve(m + ".ko");
        if (!Files.exists(ko)) {
          throw new JvsException(
              "vm image: module " + m + ".ko missing from kernel " + kernel.version());
        }
        String name = ko.getFileName().toString();
        Files.copy(ko, modules.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        order.add(name.substring(0, name.length() - 3));
      }
      Files.write(root.resolve("modules.order"), order);
      Path init = root.resolve("init");
      try (InputStream in = VmImage.class.getResourceAsStream("/dev/jvs/bench/vm/init")) {
        if (in == null) {
          throw new JvsException("the VM's init is missing from the jar");
        }
        Files.write(init, in.readAllBytes());
      }
      Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
      Shell.check(
          "vm image",
          List.of(
              "sh",
              "-c",
              "cd \"$1\" && find . | busybox cpio -o -H newc >\"$2\" 2>/dev/null",
              "sh",
              root.toString(),
              cpio.toString()),
          Duration.ofMinutes(2));
      return cpio;
    } catch (IOException e) {
      throw new UncheckedIOException("vm image " + dir + ": " + e.getMessage(), e);
    }
  }
}
