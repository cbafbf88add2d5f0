package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Guest root is not host root: security.privileged=false (issue 15, acceptance 1 and 2). */
@Tag("kernel")
class UnprivilegedKernelTest {

  private static GuestName unprivileged(TestHost host, String name) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    host.guests().set(g, Map.of("security.privileged", "false"));
    host.installProbe(g);
    return g;
  }

  private static IdRange range(TestHost host, GuestName g) {
    return new IdRanges(host.dirs().root()).find(g).orElseThrow();
  }

  @Test
  void guestRootIsItsOwnRangeOnTheHost() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = unprivileged(host, "unpriv1");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      IdRange ids = range(host, g);
      assertThat(ids.size()).isEqualTo(65536);
      assertThat(host.exec(g, "cat", "/proc/self/uid_map").output().strip().split("\\s+"))
          .containsExactly("0", Long.toString(ids.base()), "65536");
      assertThat(host.exec(g, "cat", "/proc/self/gid_map").output().strip().split("\\s+"))
          .containsExactly("0", Long.toString(ids.base()), "65536");
      assertThat(host.exec(g, "id", "-u").output().strip()).isEqualTo("0");
      // Seen from the host, the guest's init runs as the first id of its range.
      long pid = host.guests().status(g).initPid();
      String status = Files.readString(Path.of("/proc/" + pid + "/status"));
      String b = Long.toString(ids.base());
      assertThat(status).contains("Uid:\t" + b + "\t" + b + "\t" + b + "\t" + b);
      assertThat(status).contains("Gid:\t" + b + "\t" + b + "\t" + b + "\t" + b);
      // Its capabilities are its user namespace's: the host's devices stay out of reach.
      assertThat(host.exec(g, "/probe", "mknod-char").output().strip()).isEqualTo("fail EPERM");
      assertThat(host.exec(g, "/probe", "mount").output().strip()).isEqualTo("fail EPERM");
    }
  }

  @Test
  void theTemplateIsIdmappedAndTheGuestWritesWithItsIds() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = unprivileged(host, "unpriv2");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      IdRange ids = range(host, g);
      // The template's root-owned files are the guest root's, without a chown on the host.
      assertThat(host.exec(g, "stat", "-c", "%u %g", "/bin/busybox").output().strip())
          .isEqualTo("0 0");
      Path template = host.dirs().templates().resolve("busybox");
      assertThat(host.exec(g, "sh", "-c", "echo changed > /etc/jvs-marker").code()).isZero();
      Path copied = host.dirs().guest(g).resolve("upper/etc/jvs-marker");
      assertThat(Files.readString(copied)).isEqualTo("changed\n");
      assertThat(Files.getAttribute(copied, "unix:uid", LinkOption.NOFOLLOW_LINKS))
          .isEqualTo(Math.toIntExact(ids.base()));
      assertThat(
              Files.walk(template)
                  .filter(
                      p -> {
                        try {
                          return !Integer.valueOf(0)
                              .equals(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
                        } catch (java.io.IOException e) {
                          throw new java.io.UncheckedIOException(e);
                        }
                      })
                  .toList())
          .as("template files not owned by host root")
          .isEmpty();
    }
  }

  @Test
  void aHostOwnedFileIsNotTheGuestRootsToWrite() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = unprivileged(host, "unpriv3");
      // Written by host root into the guest's private layer: owned by an id outside its range.
      Path planted = host.dirs().guest(g).resolve("upper/host-owned");
      Files.writeString(planted, "host\n");
      Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-------"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(g, "sh", "-c", "echo guest > /host-owned").code()).isNotZero();
      assertThat(host.exec(g, "cat", "/host-owned").code()).isNotZero();
      assertThat(host.exec(g, "stat", "-c", "%u", "/host-owned").output().strip())
          .isEqualTo("65534"); // the overflow id: unmapped
      assertThat(Files.readString(planted)).isEqualTo("host\n");
    }
  }

  @Test
  void limitsHoldAndExecOnAPtyStopAndKillWork() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = unprivileged(host, "unpriv4");
      host.guests().set(g, Map.of("pids.max", "40", "memory.rss", "32M"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      // a pseudo-terminal from the guest's devpts, owned by the guest's root
      Path out = Files.createTempFile(host.base(), "tty", ".txt");
      int code =
          host.guests()
              .exec(
                  g,
                  List.of("sh", "-c", "tty; stat -c %u $(tty)"),
                  true,
                  new dev.jvs.launch.Launcher.Stdio(
                      ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
                      ProcessBuilder.Redirect.to(out.toFile()),
                      ProcessBuilder.Redirect.appendTo(out.toFile())));
      assertThat(code).as(Files.readString(out)).isZero();
      assertThat(Files.readString(out).replace("\r", "")).matches("(?s)/dev/pts/\\d+\n0\n");
      TestHost.Run bomb = host.exec(g, "sh", "-c", "while :; do sleep 600 & done");
      assertThat(bomb.output()).contains("can't fork");
      assertThat(host.guests().status(g).usage().pids()).isBetween(35L, 40L);
      assertThat(host.exec(g, "/probe", "hog", "128").code()).isEqualTo(128 + 9);
      assertThat(host.guests().status(g).usage().oomKills()).isPositive();
      // its cgroup is the root of its own cgroup namespace, and not its to change
      assertThat(host.exec(g, "cat", "/proc/self/cgroup").output()).contains(":/\n");
      assertThat(host.exec(g, "/probe", "mount").output().strip()).isEqualTo("fail EPERM");
      host.guests().stop(g, java.time.Duration.ofSeconds(5));
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      host.guests().stop(g, java.time.Duration.ZERO); // straight to SIGKILL
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
    }
  }

  @Test
  void aCloneGetsItsOwnRangeWithTheFilesShiftedAndUnifyKeepsTemplatesShared() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = unprivileged(host, "orig");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(
              host.exec(g, "sh", "-c", "echo mine > /etc/own && chown 1000:1000 /etc/own").code())
          .isZero();
      host.guests().stop(g, java.time.Duration.ZERO);
      GuestName c = GuestName.of("copy");
      host.guests().clone(g, c);
      IdRange from = range(host, g);
      IdRange to = range(host, c);
      assertThat(to.overlaps(from)).isFalse();
      Path own = host.dirs().guest(c).resolve("upper/etc/own");
      assertThat(Files.getAttribute(own, "unix:uid", LinkOption.NOFOLLOW_LINKS))
          .isEqualTo(Math.toIntExact(to.base() + 1000));
      // both start; template files were linked together by unify in between
      var result =
          dev.jvs.image.Unifier.unify(new dev.jvs.image.Templates(host.dirs().templates()));
      assertThat(result.filesScanned()).isPositive();
      host.guests().start(c, List.of(), Guests.Attach.DETACHED);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(c, "stat", "-c", "%u %g %n", "/etc/own", "/bin/busybox").output())
          .isEqualTo("1000 1000 /etc/own\n0 0 /bin/busybox\n");
      assertThat(host.exec(c, "cat", "/etc/own").output()).isEqualTo("mine\n");
      assertThat(host.exec(g, "cat", "/etc/own").output()).isEqualTo("mine\n");
    }
  }

  /** How many loop devices have {@code image} as their backing file. */
  private static long attachedLoops(Path image) throws Exception {
    try (var s = Files.list(Path.of("/sys/block"))) {
      return s.map(d -> d.resolve("loop/backing_file"))
          .filter(Files::exists)
          .filter(
              b -> {
                try {
                  return Files.readString(b).strip().equals(image.toString());
                } catch (java.io.IOException e) {
                  return false; // detached meanwhile
                }
              })
          .count();
    }
  }

  /** The owner ids debugfs reads from {@code path} inside the ext4 image {@code image}. */
  private static String ownerOnImage(Path image, String path) throws Exception {
    Process p =
        new ProcessBuilder("debugfs", "-R", "stat " + path, image.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1) + " " + m.group(2);
  }

  @Test
  void aDiskSpaceImageIsMountedByTheMonitorIdmappedAndHoldsTheGuestsOwnIds() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = unprivileged(host, "unpriv-disk");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      IdRange ids = range(host, g);
      assertThat(
              host.exec(g, "sh", "-c", "echo mine > /etc/own && chown 1000:1000 /etc/own").code())
          .isZero();
      host.guests().stop(g, java.time.Duration.ZERO);
      // The private files it wrote unprivileged move into the new image, back in its own ids.
      host.guests().set(g, Map.of("disk.space", "32M"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      Path image = host.dirs().guest(g).resolve(dev.jvs.image.DiskImage.FILE);
      assertThat(host.exec(g, "cat", "/proc/self/uid_map").output().strip().split("\\s+"))
          .containsExactly("0", Long.toString(ids.base()), "65536");
      assertThat(host.exec(g, "stat", "-c", "%u %g %n", "/etc/own", "/bin/busybox").output())
          .isEqualTo("1000 1000 /etc/own\n0 0 /bin/busybox\n");
      assertThat(host.exec(g, "sh", "-c", "echo new > /new && chown 7:7 /new").code()).isZero();
      // the image is the guest's limit, and it cannot mount it (or anything) itself
      TestHost.Run full = host.exec(g, "dd", "if=/dev/zero", "of=/big", "bs=1M", "count=64");
      assertThat(full.output()).contains("No space left on device");
      assertThat(host.exec(g, "rm", "/big").code()).isZero();
      assertThat(host.guests().diskUsage(g).orElseThrow().size()).isBetween(20L << 20, 32L << 20);
      assertThat(host.exec(g, "/probe", "mount").output().strip()).isEqualTo("fail EPERM");
      // under the overlay, in its own mount namespace only (the masks' binds of the host's empty
      // directory show the host's file system, not the image's loop device)
      assertThat(
              host.exec(g, "grep", "-c", "-e", "- ext4 /dev/loop", "/proc/self/mountinfo")
                  .output()
                  .strip())
          .isEqualTo("0");
      host.guests().stop(g, java.time.Duration.ZERO);
      assertThat(attachedLoops(image)).as("loop device detached with the guest").isZero();
      assertThat(ownerOnImage(image, "/upper/new")).isEqualTo("7 7");
      assertThat(ownerOnImage(image, "/upper/etc/own")).isEqualTo("1000 1000");
      assertThat(ownerOnImage(image, "/upper")).isEqualTo("0 0");

      // A clone copies the image as it is: the same files, under its own range.
      GuestName c = GuestName.of("unpriv-disk2");
      host.guests().clone(g, c);
      host.guests().start(c, List.of(), Guests.Attach.DETACHED);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(range(host, c).overlaps(ids)).isFalse();
      assertThat(host.exec(c, "stat", "-c", "%u %g %n", "/etc/own", "/new").output())
          .isEqualTo("1000 1000 /etc/own\n7 7 /new\n");
      assertThat(host.exec(c, "sh", "-c", "echo x >> /new && cat /new").output())
          .isEqualTo("new\nx\n");
      assertThat(host.exec(g, "cat", "/new").output()).isEqualTo("new\n");
    }
  }

  @Test
  void aConfigWithoutTheKeyStaysPrivileged() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("legacy");
      host.guests().build(g, "busybox");
      Path conf = host.dirs().guest(g).resolve("guest.conf");
      List<String> lines =
          Files.readAllLines(conf).stream()
              .filter(l -> !l.startsWith("security.privileged"))
              .toList();
      Files.write(conf, lines);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(g, "cat", "/proc/self/uid_map").output().strip().split("\\s+"))
          .containsExactly("0", "0", "4294967295");
      assertThat(new IdRanges(host.dirs().root()).find(g)).isEmpty();
    }
  }

  @Test
  void rangesDoNotOverlapAndAreReusedAfterDelete() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName a = unprivileged(host, "range-a");
      GuestName b = unprivileged(host, "range-b");
      host.guests().start(a, List.of(), Guests.Attach.DETACHED);
      host.guests().start(b, List.of(), Guests.Attach.DETACHED);
      IdRange ra = range(host, a);
      IdRange rb = range(host, b);
      assertThat(ra.overlaps(rb)).isFalse();
      host.guests().delete(a, true);
      assertThat(new IdRanges(host.dirs().root()).find(a)).isEmpty();
      GuestName c = unprivileged(host, "range-c");
      host.guests().start(c, List.of(), Guests.Attach.DETACHED);
      assertThat(range(host, c)).isEqualTo(ra);
    }
  }
}
