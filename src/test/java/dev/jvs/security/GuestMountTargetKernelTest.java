package dev.jvs.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.image.Trees;
import dev.jvs.net.NetNames;
import dev.jvs.testing.Procfs;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CVE-2021-30465 class against native guests: a guest's private layer is its own to write while
 * it runs, so when it next starts, the paths jvs mounts on or creates in (its /proc, /sys, /dev; a
 * bridge guest's /etc/hosts and /etc/resolv.conf) may be symlinks it planted, pointing at host
 * directories. Nothing may appear at those host paths (no file, directory or mount, on the host's
 * mountinfo), and the start either succeeds with jvs's mounts inside the guest or fails with one
 * line naming the guest and the path.
 */
@Tag("kernel")
class GuestMountTargetKernelTest {
  private static final GuestName G = GuestName.of("g1");

  /** How the planted link names the host directory. */
  enum Link {
    /** {@code /tmp/jvs-attack-N} */
    ABSOLUTE,
    /** {@code ../../…/tmp/jvs-attack-N}: climbs out of the guest's root, followed on the host */
    RELATIVE,
    /** {@code /tmp/jvs-attack-N/notyet}: a host path that does not exist yet */
    DANGLING,
    /**
     * {@code /tmp/jvs-attack-N}, a directory the guest has too: followed inside the guest's root it
     * leads to the guest's own directory, so the guest can start with the mount there
     */
    IN_BOTH
  }

  private static String linkTarget(Link kind, Path trap, String name) {
    return switch (kind) {
      case ABSOLUTE, IN_BOTH -> trap.toString();
      case RELATIVE -> "../".repeat(16) + trap.toString().substring(1);
      case DANGLING -> trap.resolve("notyet-" + name).toString();
    };
  }

  @ParameterizedTest(name = "/{0} -> {1}")
  @CsvSource({
    "proc, ABSOLUTE, proc",
    "proc, RELATIVE, proc",
    "proc, DANGLING, proc",
    "proc, IN_BOTH, proc",
    "sys, ABSOLUTE, sysfs",
    "sys, RELATIVE, sysfs",
    "sys, DANGLING, sysfs",
    "sys, IN_BOTH, sysfs",
    "dev, ABSOLUTE, tmpfs",
    "dev, RELATIVE, tmpfs",
    "dev, DANGLING, tmpfs",
    "dev, IN_BOTH, tmpfs"
  })
  void aMountPointLinkedToAHostDirectoryLeavesTheHostUntouched(
      String point, Link kind, String fstype) throws Exception {
    Path trap = trap();
    try (TestHost host = new TestHost()) {
      host.guests().build(G, "busybox");
      Path upper = host.dirs().guest(G).resolve("upper");
      Files.createSymbolicLink(upper.resolve(point), Path.of(linkTarget(kind, trap, point)));
      if (kind == Link.IN_BOTH) {
        Files.createDirectories(upper.resolve(trap.toString().substring(1)));
      }

      Optional<String> failure = start(host);
      assertHostUntouched(trap, "after the start (" + failure.orElse("started") + ")");
      if (failure.isPresent()) {
        assertOneLine(failure.get(), "/" + point);
        return;
      }
      // Started: jvs's mount is where the guest's /POINT leads, inside the guest.
      TestHost.Run r = host.exec(G, "stat", "-f", "-c", "%T", "/" + point + "/");
      assertThat(r.output().strip())
          .as(
              "what the guest finds at /%s (%s)",
              point, host.exec(G, "ls", "-l", "/" + point).output().strip())
          .isEqualTo(fstype);
      List<String> mountinfo =
          Files.readAllLines(Path.of("/proc/" + host.guests().status(G).initPid() + "/mountinfo"));
      assertThat(Procfs.unprotected(mountinfo))
          .as("the guest's procfs:\n%s", String.join("\n", mountinfo))
          .isEmpty();
      host.guests().stop(G, Duration.ZERO);
      assertHostUntouched(trap, "after the stop");
    } finally {
      cleanUp(trap);
    }
  }

  @Test
  void aBridgeGuestsEtcFilesLinkedToTheHostLeaveTheHostUntouched() throws Exception {
    Path trap = trap();
    try (TestHost host = new TestHost()) {
      useOwnSubnet(host);
      host.guests().build(G, "busybox");
      host.guests().set(G, Map.of("net.mode", "bridge"));
      Path upper = host.dirs().guest(G).resolve("upper");
      Files.createDirectories(upper.resolve("etc"));
      Files.createSymbolicLink(
          upper.resolve("etc/hosts"), Path.of(linkTarget(Link.DANGLING, trap, "hosts")));
      Files.createSymbolicLink(
          upper.resolve("etc/resolv.conf"),
          Path.of(linkTarget(Link.RELATIVE, trap, "resolv.conf")));

      Optional<String> failure = start(host);
      assertHostUntouched(trap, "after the start (" + failure.orElse("started") + ")");
      if (failure.isPresent()) {
        assertOneLine(failure.get(), "/etc/");
      } else {
        host.guests().stop(G, Duration.ZERO);
        assertHostUntouched(trap, "after the stop");
      }

      // The whole /etc a link to the host directory.
      Trees.deleteIfExists(upper.resolve("etc"));
      Files.createSymbolicLink(upper.resolve("etc"), Path.of(linkTarget(Link.ABSOLUTE, trap, "")));
      failure = start(host);
      assertHostUntouched(trap, "after the start (" + failure.orElse("started") + ")");
      if (failure.isPresent()) {
        assertOneLine(failure.get(), "/etc");
      } else {
        host.guests().stop(G, Duration.ZERO);
        assertHostUntouched(trap, "after the stop");
      }
    } finally {
      cleanUp(trap);
    }
  }

  /**
   * The guest's /proc is {@code sys/x} and {@code /sys/x -> ../p}: procfs lands on /p, then the
   * sysfs mount on /sys hides the link, so the masks and read-only binds of /proc/... that follow
   * find nothing there (they are skipped when missing). A procfs without them gives the guest's
   * root a writable /proc/sys, i.e. the host's kernel.core_pattern. The start must either keep
   * every procfs the guest sees masked or fail.
   */
  @Test
  void masksCoverEveryProcfsTheGuestCanSeeWhereverItsLinksPutIt() throws Exception {
    try (TestHost host = new TestHost()) {
      host.guests().build(G, "busybox");
      Path upper = host.dirs().guest(G).resolve("upper");
      Files.createSymbolicLink(upper.resolve("proc"), Path.of("sys/x"));
      Files.createDirectories(upper.resolve("sys"));
      Files.createSymbolicLink(upper.resolve("sys/x"), Path.of("../p"));
      Files.createDirectories(upper.resolve("p"));

      Optional<String> failure = start(host);
      if (failure.isPresent()) {
        assertOneLine(failure.get(), "/proc");
        return;
      }
      long pid = host.guests().status(G).initPid();
      List<String> mountinfo = Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"));
      List<String> unprotected = Procfs.unprotected(mountinfo);
      for (String point : Procfs.mounts(mountinfo)) {
        // Harmless proof of a writable /proc/sys: the guest's own (UTS-namespaced) domainname.
        String write = "echo jvs-probe > " + point + "/sys/kernel/domainname";
        if (host.exec(G, "sh", "-c", write).code() == 0) {
          unprotected.add(point + "/sys/kernel/domainname was written by the guest");
        }
      }
      assertThat(unprotected)
          .as("procfs mounts the guest sees without their masks:\n%s", String.join("\n", mountinfo))
          .isEmpty();
    }
  }

  /** Starts G detached; the error message if it failed. */
  private static Optional<String> start(TestHost host) {
    try {
      host.guests().start(G, List.of(), Guests.Attach.DETACHED);
      return Optional.empty();
    } catch (JvsException e) {
      return Optional.of(e.getMessage());
    }
  }

  private static void assertOneLine(String message, String path) {
    assertThat(message)
        .as("the start's error")
        .startsWith(G + ": ")
        .doesNotContain("\n")
        .contains(path);
  }

  /** A subnet of this test's own, as the network tests choose it (OutsideHost.useOwnSubnet). */
  private static void useOwnSubnet(TestHost host) throws IOException {
    int n = Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 2), 16);
    Path conf = host.dirs().root().resolve("net.conf");
    Files.createDirectories(conf.getParent());
    Files.writeString(conf, "subnet = 10.211." + n + ".0/24\n");
  }

  /** Nothing in {@code trap} (recursively) and no mount at or below it on the host. */
  private static void assertHostUntouched(Path trap, String when) {
    List<String> found = new ArrayList<>();
    for (String p : contents(trap)) {
      Path f = trap.resolve(p);
      found.add(
          (Files.isSymbolicLink(f)
                  ? "symlink "
                  : Files.isDirectory(f)
                      ? "directory "
                      : Files.isRegularFile(f) ? "file " : "node ")
              + p);
    }
    for (String m : mountsUnder(trap)) {
      found.add("mount " + m + " on the host");
    }
    assertThat(found).as("what appeared at the host's %s %s", trap, when).isEmpty();
  }

  /** A fresh, empty host directory with a unique name. */
  private static Path trap() throws IOException {
    Path trap = Files.createTempDirectory(Path.of("/tmp"), "jvs-attack-");
    Files.setPosixFilePermissions(trap, PosixFilePermissions.fromString("rwxr-xr-x"));
    return trap;
  }

  private static List<String> contents(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Mount points at or below {@code dir} in the host's mountinfo. */
  private static List<String> mountsUnder(Path dir) {
    try {
      List<String> found = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String point = line.split(" ")[4];
        if (point.equals(dir.toString()) || point.startsWith(dir + "/")) {
          found.add(point);
        }
      }
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void cleanUp(Path trap) throws Exception {
    List<String> points = mountsUnder(trap);
    for (int i = points.size() - 1; i >= 0; i--) {
      new ProcessBuilder("umount", "-l", points.get(i)).inheritIO().start().waitFor();
    }
    Trees.deleteIfExists(trap);
  }
}
