package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/** Helpers for tests on this host's real cgroups. */
final class KernelCgroups {
  static final Path CGROUP_FS = Path.of("/sys/fs/cgroup");

  private KernelCgroups() {}

  /** A parent no other test or engineer uses: "jvs-test-1a2b3c4d". */
  /**
   * A directory on a real disk, not tmpfs: /var/tmp here, the virtio disk the cgroup v2 test host
   * mounts (it passes -Djvs.test.diskDir).
   */
  static Path diskDir() {
    return Path.of(System.getProperty("jvs.test.diskDir", "/var/tmp"));
  }

  static String uniqueParent() {
    byte[] b = new byte[4];
    ThreadLocalRandom.current().nextBytes(b);
    return "jvs-test-" + HexFormat.of().formatHex(b);
  }

  /** Destroys what a test left under {@code parent}, then checks nothing named so remains. */
  static void cleanUpAndAudit(CgroupDriver driver, String parent) throws IOException {
    for (String name : driver.children(parent)) {
      driver.find(parent, name).ifPresent(Cgroup::destroy);
    }
    driver.removeParentIfEmpty(parent);
    assertNoCgroupNamed(parent);
  }

  static void assertNoCgroupNamed(String parent) throws IOException {
    List<Path> hierarchies;
    // v1: a hierarchy per directory; v2 (the cgroup v2 test host): /sys/fs/cgroup itself.
    try (Stream<Path> s = Files.list(CGROUP_FS)) {
      hierarchies = Stream.concat(Stream.of(CGROUP_FS), s.filter(Files::isDirectory)).toList();
    }
    for (Path h : hierarchies) {
      assertThat(h.resolve(parent)).as("leftover cgroup").doesNotExist();
    }
  }

  static String read(Path file) throws IOException {
    return Files.readString(file).strip();
  }
}
