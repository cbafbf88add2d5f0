package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.image.DiskImage;
import dev.jvs.migrate.Migration;
import dev.jvs.net.NetNames;
import dev.jvs.runtime.MaskDirectory;
import dev.jvs.testing.CgroupFiles;
import dev.jvs.testing.CriuTests;
import dev.jvs.testing.TestHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint and restore of a busybox system guest through criu (docs/checkpoint.md): a shell
 * counting in memory continues from where it stopped, with its pids, its cgroup limits and a TCP
 * connection between two of its processes kept established.
 */
@Tag("kernel")
class CheckpointKernelTest {
  private static final String COUNTER = CriuTests.counterScript("usleep 100000");

  /** Sends a count over one TCP connection on the guest's loopback; the server logs it. */
  private static final String TALKER =
      // the server's own stdin would be /dev/null: EOF there ends a plain nc -l at once
      "#!/bin/sh\nnc -l -p 7000 -e sh -c 'cat > /tmp/received' &\nusleep 300000\n"
          + "i=0; while :; do i=$((i+1)); echo $i; usleep 100000; done | nc 127.0.0.1 7000\n";

  /** A server's per-connection program: counts to its client, one number a line, every 100 ms. */
  private static final String COUNT_TO_CLIENT =
      "#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo $i || exit; usleep 100000; done\n";

  /** How long the test waits for something that must happen (not a bound it asserts). */
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @BeforeAll
  static void criuIsThere() {
    CriuTests.abortWithoutCriu();
  }

  @Test
  void aCountingGuestContinuesFromWhereItStoppedWithItsPidsAndLimits() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("ckpt");
      buildPrivileged(host, g);
      install(host, g, "counter.sh", COUNTER);
      host.guests().set(g, Map.of("pids.max", "50"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      host.exec(g, "sh", "-c", "setsid /counter.sh </dev/null >/dev/null 2>&1 &");
      Path counter = host.dirs().guest(g).resolve("upper/tmp/counter");
      awaitAtLeast(counter, 20);
      String psBefore = processes(host, g);

      host.guests().checkpoint(g, false, Optional.empty());

      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
      long stoppedAt = lastNumber(counter);
      // What the guest finds after the restore must come from its memory, not from this file.
      Files.writeString(counter, "0\n");

      host.guests().restore(g, Optional.empty());

      GuestStatus restored = host.guests().status(g);
      assertThat(restored.state()).isEqualTo(GuestStatus.State.RUNNING);
      long next = awaitAtLeast(counter, 1);
      assertThat(next).as("count after restore, stopped at %d", stoppedAt).isGreaterThan(stoppedAt);
      assertThat(processes(host, g)).as("the same processes, same pids").isEqualTo(psBefore);
      assertThat(CgroupFiles.read(restored.cgroup(), "pids", "pids.max", "pids.max").strip())
          .isEqualTo("50");
      assertThat(Files.readString(Path.of("/proc/" + restored.initPid() + "/comm")).strip())
          .isEqualTo("init");

      host.guests().stop(g, Duration.ofSeconds(10));
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
    }
  }

  @Test
  void anEstablishedTcpConnectionInsideTheGuestSurvives() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("cktcp");
      buildPrivileged(host, g);
      install(host, g, "talker.sh", TALKER);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      host.exec(g, "sh", "-c", "setsid /talker.sh </dev/null >/dev/null 2>&1 &");
      Path received = host.dirs().guest(g).resolve("upper/tmp/received");
      awaitAtLeast(received, 5);
      String connections = host.exec(g, "netstat", "-tn").output();
      assertThat(connections).contains("ESTABLISHED");

      host.guests().checkpoint(g, false, Optional.empty());
      long receivedAt = lastNumber(received);
      host.guests().restore(g, Optional.empty());

      assertThat(awaitAtLeast(received, receivedAt + 5))
          .as("the count keeps arriving over the restored connection")
          .isGreaterThan(receivedAt);
      assertThat(host.exec(g, "netstat", "-tn").output()).contains("ESTABLISHED");
    }
  }

  /**
   * A bridge guest (issue 16, item 1): its namespace comes back with eth0, the address and the MAC
   * it had, and the host end of the pair as the guest's veth on the bridge; a connection the host
   * opened to a server in the guest carries on, every number in order, none lost or repeated. A
   * privileged guest's namespace (jvs alone configured it) is left out of the checkpoint and made
   * and plumbed by jvs at the restore: no addresses or links in criu's images; an unprivileged
   * guest's is dumped and recreated by criu inside its user namespace.
   */
  @Test
  void aBridgeGuestKeepsItsAddressAndTheHostsTcpConnection() throws Exception {
    bridgeGuestKeepsItsAddressAndTheHostsTcpConnection("ckbr", true);
  }

  /** As above, unprivileged: criu dumps and recreates the network namespace, in its own. */
  @Test
  void anUnprivilegedBridgeGuestKeepsItsAddressAndTheHostsTcpConnection() throws Exception {
    bridgeGuestKeepsItsAddressAndTheHostsTcpConnection("unbr", false);
  }

  private static void bridgeGuestKeepsItsAddressAndTheHostsTcpConnection(
      String name, boolean privileged) throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of(name);
      if (privileged) {
        buildPrivileged(host, g);
      } else {
        host.guests().build(g, "busybox");
      }
      install(host, g, "count.sh", COUNT_TO_CLIENT);
      host.guests().set(g, Map.of("net.mode", "bridge"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      host.exec(g, "sh", "-c", "setsid nc -l -p 7000 -e /count.sh </dev/null >/dev/null 2>&1 &");
      String ip = ipOf(host, g);
      String veth = NetNames.of(host.dirs().root()).veth(g.value());
      String bridge = NetNames.of(host.dirs().root()).bridge();
      try (Socket client = connect(ip, 7000);
          BufferedReader in =
              new BufferedReader(
                  new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII))) {
        client.setSoTimeout((int) PATIENCE.toMillis()); // a lost connection fails, never hangs
        long seen = CriuTests.readConsecutive(in, 0, 10);
        String mac = macOf(host, g);

        host.guests().checkpoint(g, false, Optional.empty());
        assertThat(Files.exists(Path.of("/sys/class/net", veth))).isFalse();
        Path images = host.dirs().guest(g).resolve(GuestCheckpoints.IMAGES);
        try (Stream<Path> files = Files.list(images)) {
          assertThat(
                  files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("ifaddr-")))
              .as("criu dumped the namespace's addresses")
              .hasSize(privileged ? 0 : 1);
        }
        assertThat(images.resolve(ExternalNetwork.FILE).toFile().exists()).isEqualTo(privileged);
        host.guests().restore(g, Optional.empty());

        assertThat(ipOf(host, g)).isEqualTo(ip);
        assertThat(macOf(host, g)).as("eth0 keeps its MAC").isEqualTo(mac);
        assertThat(Files.readSymbolicLink(Path.of("/sys/class/net", veth, "master")).getFileName())
            .hasToString(bridge);
        long after = CriuTests.readConsecutive(in, seen, seen + 30);
        assertThat(after).as("the count goes on over the same connection").isEqualTo(seen + 30);
        assertThat(host.exec(g, "netstat", "-tn").output())
            .containsPattern(ip + ":7000 +\\S+ +ESTABLISHED");
        assertThat(host.guests().idRange(g).isPresent()).isEqualTo(!privileged);
      }
    }
  }

  /**
   * A guest whose private layer is its disk.space image (issue 16, item 1): the restore mounts the
   * image where a start does, in criu's own mount namespace (nothing on the host), so the files
   * written before the dump are there, the count goes on from memory, and a write past the limit
   * fails with ENOSPC; the loop device goes with the guest.
   */
  @Test
  void aDiskSpaceGuestRestoresOnItsImageWithItsLimitEnforced() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("ckdisk");
      buildPrivileged(host, g);
      install(host, g, "counter.sh", COUNTER); // moves into the image at the first start
      host.guests().set(g, Map.of("disk.space", "32M"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      Path image = host.dirs().guest(g).resolve(DiskImage.FILE);
      assertThat(loopFor(image)).isPresent();
      assertThat(host.exec(g, "sh", "-c", "echo kept > /kept.txt").code()).isZero();
      host.exec(g, "sh", "-c", "setsid /counter.sh </dev/null >/dev/null 2>&1 &");
      long before = awaitInGuest(host, g, "/tmp/counter", 20);
      // a migration sends upper/ only: it refuses before it contacts anyone, the guest runs on
      Migration away = CriuTests.migrationToNowhere(host.guests());
      assertThatThrownBy(() -> away.migrate(g))
          .hasMessage(
              "ckdisk: disk.space: a guest with a disk image cannot migrate yet (its image is not"
                  + " sent)");
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);

      host.guests().checkpoint(g, false, Optional.empty());
      assertThat(loopFor(image)).as("the image is detached with the dumped guest").isEmpty();
      host.guests().restore(g, Optional.empty());

      assertThat(host.exec(g, "cat", "/kept.txt").output()).isEqualTo("kept\n");
      assertThat(awaitInGuest(host, g, "/tmp/counter", before + 5)).isGreaterThan(before);
      assertThat(host.dirs().guest(g).resolve("upper/kept.txt"))
          .as("the guest writes into its image, not the host's upper")
          .doesNotExist();
      assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
          .as("the image is mounted in criu's namespace, not on the host")
          .doesNotContain(host.dirs().guest(g).toString());
      TestHost.Run full = host.exec(g, "dd", "if=/dev/zero", "of=/big", "bs=1M", "count=64");
      assertThat(full.code()).isNotZero();
      assertThat(full.output()).contains("No space left on device");
      assertThat(host.guests().diskUsage(g).orElseThrow().size()).isBetween(20L << 20, 32L << 20);
      assertThat(Files.size(image)).isEqualTo(32L << 20);

      host.guests().stop(g, Duration.ofSeconds(10));
      assertThat(loopFor(image)).as("loop device detached with the restored guest").isEmpty();
    }
  }

  /**
   * The same for an unprivileged guest: its root is mounted by the start's launch operations, disk
   * image included, and the files it wrote stay guest root's.
   */
  @Test
  void anUnprivilegedDiskSpaceGuestRestoresOnItsImage() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("ckudisk"); // built as every new guest: unprivileged
      host.guests().build(g, "busybox");
      install(host, g, "counter.sh", COUNTER);
      host.guests().set(g, Map.of("disk.space", "32M"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(host.guests().idRange(g)).isPresent();
      Path image = host.dirs().guest(g).resolve(DiskImage.FILE);
      assertThat(host.exec(g, "sh", "-c", "echo kept > /kept.txt").code()).isZero();
      host.exec(g, "sh", "-c", "setsid /counter.sh </dev/null >/dev/null 2>&1 &");
      long before = awaitInGuest(host, g, "/tmp/counter", 20);

      host.guests().checkpoint(g, false, Optional.empty());
      assertThat(loopFor(image)).as("the image is detached with the dumped guest").isEmpty();
      host.guests().restore(g, Optional.empty());

      assertThat(host.exec(g, "cat", "/kept.txt").output()).isEqualTo("kept\n");
      assertThat(host.exec(g, "stat", "-c", "%u:%g", "/kept.txt", "/bin/busybox").output())
          .isEqualTo("0:0\n0:0\n");
      assertThat(awaitInGuest(host, g, "/tmp/counter", before + 5)).isGreaterThan(before);
      assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
          .as("nothing of the guest is mounted on the host")
          .doesNotContain(host.dirs().guest(g).toString());
      TestHost.Run full = host.exec(g, "dd", "if=/dev/zero", "of=/big", "bs=1M", "count=64");
      assertThat(full.code()).isNotZero();
      assertThat(full.output()).contains("No space left on device");

      host.guests().stop(g, Duration.ofSeconds(10));
      assertThat(loopFor(image)).as("loop device detached with the restored guest").isEmpty();
    }
  }

  @Test
  void leaveRunningAndAnArchiveRestoreElsewhereInTime() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("ckarch");
      buildPrivileged(host, g);
      install(host, g, "counter.sh", COUNTER);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      host.exec(g, "sh", "-c", "setsid /counter.sh </dev/null >/dev/null 2>&1 &");
      Path counter = host.dirs().guest(g).resolve("upper/tmp/counter");
      awaitAtLeast(counter, 10);
      Path archive = host.base().resolve("ckarch.tar.zst");

      host.guests().checkpoint(g, true, Optional.of(archive));

      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      assertThat(archive).isNotEmptyFile();
      host.guests().stop(g, Duration.ofSeconds(10));
      // the images go; only the archive holds the checkpoint now
      for (Path f : Files.list(host.dirs().guest(g).resolve("checkpoint")).toList()) {
        Files.delete(f);
      }
      Files.writeString(counter, "0\n");
      // as after a reboot: /run cleared, the masks' empty directory gone (none of this run's
      // guests runs now to hold it)
      Files.deleteIfExists(MaskDirectory.PATH);

      host.guests().restore(g, Optional.of(archive));

      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      long next = awaitAtLeast(counter, 1);
      // the dump was taken with the count at 10 or more; the file said 0 before the restore
      assertThat(next).isGreaterThan(10);
      assertThat(
              host.exec(g, "grep", "-c", "-e", " /sys/firmware ", "/proc/self/mountinfo")
                  .output()
                  .strip())
          .isEqualTo("1"); // masked again
      assertThat(MaskDirectory.PATH).isEmptyDirectory();
    }
  }

  @Test
  void restoreWithoutACheckpointSaysSoAndLeavesNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("nockpt");
      buildPrivileged(host, g);
      assertThatThrownBy(() -> host.guests().restore(g, Optional.empty()))
          .isInstanceOf(JvsException.class)
          .hasMessageStartingWith("nockpt: no checkpoint in ");
      assertThatThrownBy(() -> host.guests().restore(g, Optional.of(host.base().resolve("none"))))
          .isInstanceOf(JvsException.class)
          .hasMessageContaining("nockpt: --from: ");
      assertThatThrownBy(() -> host.guests().checkpoint(g, false, Optional.empty()))
          .isInstanceOf(JvsException.class)
          .hasMessage("nockpt: not running");
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
    }
  }

  /**
   * A guest built as every new guest (unprivileged): criu dumps its user namespace with the tree
   * and recreates it with the same map; the restore's root is the start's (template idmapped, then
   * the overlay), so guest root still owns the template's files and what it writes is stored with
   * its host ids.
   */
  @Test
  void anUnprivilegedGuestContinuesInItsUserNamespaceWithItsIdsPidsAndLimits() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("unck"); // built as every new guest: unprivileged
      host.guests().build(g, "busybox");
      install(host, g, "counter.sh", COUNTER);
      host.guests().set(g, Map.of("pids.max", "50"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      IdRange ids = host.guests().idRange(g).orElseThrow();
      host.exec(g, "sh", "-c", "setsid /counter.sh </dev/null >/dev/null 2>&1 &");
      Path counter = host.dirs().guest(g).resolve("upper/tmp/counter");
      awaitAtLeast(counter, 20);
      String psBefore = processes(host, g);

      host.guests().checkpoint(g, false, Optional.empty());

      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
      long stoppedAt = lastNumber(counter);
      Files.writeString(counter, "0\n"); // host root writes it: the guest's count rewrites it

      host.guests().restore(g, Optional.empty());

      GuestStatus restored = host.guests().status(g);
      assertThat(restored.state()).isEqualTo(GuestStatus.State.RUNNING);
      long next = awaitAtLeast(counter, 1);
      assertThat(next).as("count after restore, stopped at %d", stoppedAt).isGreaterThan(stoppedAt);
      assertThat(processes(host, g)).as("the same processes, same pids").isEqualTo(psBefore);
      assertThat(CgroupFiles.read(restored.cgroup(), "pids", "pids.max", "pids.max").strip())
          .isEqualTo("50");
      // the same user namespace map, the range this host persisted for it
      assertThat(host.guests().idRange(g)).contains(ids);
      assertThat(Files.readString(Path.of("/proc/" + restored.initPid() + "/uid_map")).strip())
          .matches("0 +" + ids.base() + " +65536");
      assertThat(Files.getAttribute(Path.of("/proc/" + restored.initPid()), "unix:uid"))
          .isEqualTo((int) ids.base());
      // guest root owns the template's files (idmapped, not nobody), and its own
      assertThat(
              host.exec(g, "stat", "-c", "%u:%g", "/bin/busybox", "/etc", "/tmp/counter").output())
          .isEqualTo("0:0\n0:0\n0:0\n");
      TestHost.Run write = host.exec(g, "sh", "-c", "echo mine > /etc/restored && id -u");
      assertThat(write.code()).isZero();
      assertThat(write.output()).isEqualTo("0\n");
      Path written = host.dirs().guest(g).resolve("upper/etc/restored");
      assertThat(Files.getAttribute(written, "unix:uid")).isEqualTo((int) ids.base());
      assertThat(Files.getAttribute(written, "unix:gid")).isEqualTo((int) ids.base());
      assertThat(Files.getAttribute(counter, "unix:uid")).isEqualTo((int) ids.base());

      // The restored guest is checkpointed and restored again, as a started one (its console is
      // a pipe its root owns again, not the host's log file, which it could not reopen)
      host.guests().checkpoint(g, false, Optional.empty());
      long second = lastNumber(counter);
      host.guests().restore(g, Optional.empty());
      assertThat(awaitAtLeast(counter, second + 1)).isGreaterThan(second);
      assertThat(processes(host, g)).as("the same processes, same pids").isEqualTo(psBefore);
      assertThat(host.exec(g, "sh", "-c", "echo to-the-console > /dev/stdout").code()).isZero();

      host.guests().stop(g, Duration.ofSeconds(10));
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
    }
  }

  /** Set privileged while it runs in its user namespace: it is dumped and restored as it runs. */
  @Test
  void aGuestSetPrivilegedWhileRunningUnprivilegedIsRestoredAsItRan() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("unset");
      host.guests().build(g, "busybox");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      IdRange ids = host.guests().idRange(g).orElseThrow();
      host.guests().set(g, Map.of("security.privileged", "true"));

      host.guests().checkpoint(g, false, Optional.empty());
      host.guests().restore(g, Optional.empty());

      assertThat(host.exec(g, "cat", "/proc/self/uid_map").output().strip())
          .matches("0 +" + ids.base() + " +65536");
      assertThat(host.exec(g, "stat", "-c", "%u", "/bin/busybox").output()).isEqualTo("0\n");
    }
  }

  /**
   * The range is criu's to restore (its images hold the map): a guest whose checkpoint ran with a
   * range another guest holds here is refused in one line, and nothing of it is left.
   */
  @Test
  void aCheckpointWhoseRangeAnotherGuestHoldsIsRefusedWithOneLine() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("unmv");
      host.guests().build(g, "busybox");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      IdRange ids = host.guests().idRange(g).orElseThrow();
      Path archive = host.base().resolve("unmv.tar.zst");
      host.guests().checkpoint(g, false, Optional.of(archive));
      host.guests().delete(g, false); // frees its range: the next guest gets it
      GuestName other = GuestName.of("unother");
      host.guests().build(other, "busybox");
      host.guests().start(other, List.of(), Guests.Attach.DETACHED);
      assertThat(host.guests().idRange(other)).contains(ids);
      host.guests().build(g, "busybox");

      assertThatThrownBy(() -> host.guests().restore(g, Optional.of(archive)))
          .isInstanceOf(JvsException.class)
          .hasMessageStartingWith("unmv: its checkpoint ran with host ids " + ids)
          .hasMessageContaining("guest unother holds " + ids)
          .hasMessageNotContaining("\n");
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
      assertThat(host.guests().idRange(g)).isEmpty();
      assertThat(host.guests().status(other).state()).isEqualTo(GuestStatus.State.RUNNING);
    }
  }

  /** The loop device whose backing file is {@code image}, if attached. */
  private static Optional<String> loopFor(Path image) throws IOException {
    try (var devices = Files.list(Path.of("/sys/block"))) {
      for (Path dev : devices.filter(p -> p.getFileName().toString().startsWith("loop")).toList()) {
        Path backing = dev.resolve("loop/backing_file");
        if (Files.exists(backing) && Files.readString(backing).strip().equals(image.toString())) {
          return Optional.of("/dev/" + dev.getFileName());
        }
      }
    }
    return Optional.empty();
  }

  /** Waits until the number in the guest's {@code file} is at least {@code min}; returns it. */
  private static long awaitInGuest(TestHost host, GuestName g, String file, long min)
      throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long last = -1;
    while (System.nanoTime() < deadline) {
      String out = host.exec(g, "cat", file).output().strip();
      last = out.matches("\\d+") ? Long.parseLong(out) : -1;
      if (last >= min) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(g + ":" + file + " never reached " + min + " (last " + last + ")");
  }

  /** A guest as jvs built them before unprivileged became the default. */
  private static void buildPrivileged(TestHost host, GuestName g) {
    host.guests().build(g, "busybox");
    host.guests().set(g, Map.of("security.privileged", "true"));
  }

  private static String ipOf(TestHost host, GuestName g) {
    String out = host.exec(g, "ip", "-o", "-4", "addr", "show", "dev", "eth0").output();
    return out.replaceAll("(?s).*inet (\\S+)/.*", "$1").strip();
  }

  private static String macOf(TestHost host, GuestName g) {
    String out = host.exec(g, "cat", "/sys/class/net/eth0/address").output().strip();
    assertThat(out).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    return out;
  }

  /** Connects once the server in the guest listens (it is started in the background). */
  private static Socket connect(String ip, int port) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        return new Socket(ip, port);
      } catch (java.net.ConnectException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static void install(TestHost host, GuestName g, String name, String script)
      throws IOException {
    Path file = host.dirs().guest(g).resolve("upper").resolve(name);
    Files.writeString(file, script);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** The guest's processes as "PID COMMAND" lines, without ps and the counter's children. */
  private static String processes(TestHost host, GuestName g) {
    TestHost.Run ps = host.exec(g, "ps", "-o", "pid,ppid,args");
    assertThat(ps.code()).isZero();
    return String.join("\n", CriuTests.withoutCountersChildren(ps.output()));
  }

  /** Waits until the last number in {@code file} is at least {@code min}; returns it. */
  private static long awaitAtLeast(Path file, long min) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long last = -1;
    while (System.nanoTime() < deadline) {
      last = lastNumber(file);
      if (last >= min) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(file + " never reached " + min + " (last " + last + ")");
  }

  private static long lastNumber(Path file) throws IOException {
    if (!Files.exists(file)) {
      return -1;
    }
    List<String> lines = Files.readString(file).lines().filter(l -> l.matches("\\d+")).toList();
    return lines.isEmpty() ? -1 : Long.parseLong(lines.getLast());
  }
}
