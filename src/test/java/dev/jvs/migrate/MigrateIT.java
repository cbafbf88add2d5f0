package dev.jvs.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.IdRange;
import dev.jvs.net.NetNames;
import dev.jvs.runtime.PostCopySupport;
import dev.jvs.testing.Cli;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `jvs migrate` between two jvs hosts on this machine (docs/migration.md): each in its own network
 * namespace with its own roots and `jvs serve --listen`, linked by a veth pair ({@link HostPair}).
 * A counting guest moves and counts on from its memory there; a destination service killed, or the
 * link cut, while the private layer is on its way leaves the guest running at the source; neither
 * host leaks anything (each {@link TestHost}'s audit, and the namespaces gone).
 */
class MigrateIT {
  /** Sends its count to the client nc connects it to; ends when the connection does. */
  private static final String COUNT_TO_CLIENT =
      "#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo $i || exit; usleep 100000; done\n";

  /** The bridge's subnet on both hosts (net.conf's default). */
  private static final String SUBNET = "10.77.0.0/24";

  private static final String COUNTER = CriuTests.counterScript("usleep 100000");

  /** How long the test waits for something that must happen (not a bound it asserts). */
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  /** Post-copy needs it raised on a host without CAP_SYS_RESOURCE (PipeMaxSize says why). */
  private static PipeMaxSize pipeMaxSize;

  @BeforeAll
  static void criuIsThere() throws IOException {
    CriuTests.abortWithoutCriu();
    pipeMaxSize = PipeMaxSize.raised();
  }

  /** Runs even when a test failed: the sysctl is the whole machine's. */
  @AfterAll
  static void pipeMaxSizeBack() throws IOException {
    if (pipeMaxSize != null) {
      pipeMaxSize.close();
    }
  }

  @Test
  void twoHostsLinkedByAVethComeAndGoLeavingNothing() throws Exception {
    String netnsA;
    String netnsB;
    try (TestHost ha = new TestHost();
        TestHost hb = new TestHost()) {
      try (HostPair pair = pair(ha, hb)) {
        netnsA = pair.a().netns();
        netnsB = pair.b().netns();
        assertThat(netnsA).startsWith("jvs");
        pair.a().startService();
        pair.b().startService();
        assertThat(pair.a().sh("busybox ping -c1 -W5 " + pair.b().address()).code()).isZero();
        // each host's service answers for its own root only
        HostPair.Result list = pair.b().jvs("list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(pair.b().fingerprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
      }
      assertThat(Files.exists(Path.of("/run/netns", netnsA))).isFalse();
      assertThat(Files.exists(Path.of("/run/netns", netnsB))).isFalse();
    }
  }

  @Test
  void aCountingGuestMovesAndCountsOnThereFromItsMemory() throws Exception {
    try (TestHost ha = new TestHost();
        TestHost hb = new TestHost();
        HostPair pair = pair(ha, hb)) {
      GuestName g = countingGuest(ha, "mig1");
      Path counterA = ha.dirs().guest(g).resolve("upper/tmp/counter");
      awaitAtLeast(counterA, 20);
      pair.a().startService();
      pair.b().startService();
      String token = trust(pair);
      // on a stock host (the sysctl at its default) post-copy, asked for, fails with the reason
      // before anything happens to the guest; a host with CAP_SYS_RESOURCE has no such case
      pipeMaxSize.atOld(
          () -> {
            if (PostCopySupport.missing().isPresent()) {
              HostPair.Result cannot =
                  pair.a()
                      .jvs(
                          "migrate",
                          g.value(),
                          "--to",
                          pair.b().url(),
                          "--token",
                          "jvs_wrong",
                          "--fingerprint",
                          pair.b().fingerprint(),
                          "--post-copy");
              assertThat(cannot.code()).isNotZero();
              assertThat(cannot.err().strip())
                  .doesNotContain("\n")
                  .contains(g.value())
                  .contains("fs.pipe-max-size");
            }
          });
      assertThat(PostCopySupport.missing()).as("post-copy works with the sysctl raised").isEmpty();
      // a wrong token is refused over the link, before anything happens to the guest
      HostPair.Result refused =
          pair.a()
              .jvs(
                  "migrate",
                  g.value(),
                  "--to",
                  pair.b().url(),
                  "--token",
                  "jvs_wrong",
                  "--fingerprint",
                  pair.b().fingerprint(),
                  "--post-copy");
      assertThat(refused.code()).isNotZero();
      assertThat(refused.err().strip())
          .doesNotContain("\n")
          .contains(g.value())
          .contains("401")
          .contains("kept running here");
      assertThat(ha.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);

      HostPair.Result moved;
      try (LoopbackListeners loopback =
          new LoopbackListeners(ha.dirs().guest(g).resolve("checkpoint"))) {
        moved =
            pair.a()
                .jvs(
                    "migrate",
                    g.value(),
                    "--to",
                    pair.b().url(),
                    "--token",
                    token,
                    "--fingerprint",
                    pair.b().fingerprint());
        loopback.close();
        // criu's page server has no authentication: while it served the guest's memory, nothing
        // listened on the source namespace's loopback (it serves on a socket pair the relay holds)
        assertThat(loopback.servingSamples()).as("samples while criu served").isPositive();
        assertThat(loopback.seen()).as("loopback listeners while criu served").isEmpty();
      }

      // post-copy, the default (no dirty-memory tracking for pre-copy)
      assertThat(moved.code()).as(moved.err() + pair.b().logText()).isZero();
      assertThat(moved.out())
          .contains("(post-copy)")
          .containsPattern("downtime: \\d+ ms")
          .containsPattern("before the freeze \\d+, dump \\d+")
          // the destination's own account of its part of the downtime, in order
          .containsPattern(
              "restore there: guest built \\d+ ms, .*monitor spawned \\d+ ms, .*lazy-pages daemon"
                  + " listening \\d+ ms, .*criu restored the tree \\d+ ms, state written \\d+ ms");
      assertThat(Files.exists(ha.dirs().guest(g))).as("gone from the source").isFalse();
      assertThat(hb.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      Path counterB = hb.dirs().guest(g).resolve("upper/tmp/counter");
      countsOnFromMemory(counterB, "there, after post-copy");
      assertThat(Files.exists(hb.dirs().root().resolve("incoming/" + g.value()))).isFalse();

      // and back by stop-copy
      String tokenA = trust(pair.a());
      HostPair.Result back =
          pair.b()
              .jvs(
                  "migrate",
                  g.value(),
                  "--to",
                  pair.a().url(),
                  "--token",
                  tokenA,
                  "--fingerprint",
                  pair.a().fingerprint(),
                  "--stop-copy");
      assertThat(back.code()).as(back.err() + pair.a().logText()).isZero();
      assertThat(back.out())
          .contains("(stop-copy)")
          .containsPattern("downtime: \\d+ ms")
          .containsPattern("restore there: guest built \\d+ ms, .*criu restored the tree \\d+ ms")
          .doesNotContain("lazy-pages");
      assertThat(Files.exists(hb.dirs().guest(g))).as("gone from b").isFalse();
      assertThat(ha.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      countsOnFromMemory(counterA, "back at the source, after stop-copy");
      ha.guests().stop(g, Duration.ofSeconds(10));
    }
  }

  /**
   * A bridge guest moves by post-copy and keeps its address; a client in a third namespace, its
   * route to the guests' subnet moved from a to b as a routing update would, keeps its connection:
   * the guest's server goes on sending its count (a shell variable: memory), every number in order,
   * none lost or repeated, over the same socket.
   */
  @Test
  void aBridgeGuestMovedByPostCopyKeepsItsAddressAndAThirdNamespacesConnection() throws Exception {
    try (TestHost ha = new TestHost();
        TestHost hb = new TestHost();
        HostPair pair = pair(ha, hb)) {
      String tag = NetNames.of(ha.dirs().root()).tag();
      GuestName g = GuestName.of("mig5");
      ha.guests().build(g, "busybox");
      ha.guests().set(g, java.util.Map.of("security.privileged", "true", "net.mode", "bridge"));
      Path script = ha.dirs().guest(g).resolve("upper/count.sh");
      Files.writeString(script, COUNT_TO_CLIENT);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      pair.a().startService();
      pair.b().startService();
      // started by a's service: its bridge and the guest's veth are in a's namespace
      HostPair.Result started = pair.a().jvs("start", g.value());
      assertThat(started.code()).as(started.err()).isZero();
      ha.exec(g, "sh", "-c", "setsid nc -l -p 7000 -e /count.sh </dev/null >/dev/null 2>&1 &");
      String ip = ipOf(ha, g);
      String token = trust(pair);
      try (ClientNamespace client = new ClientNamespace(pair, tag)) {
        assertThat(client.name()).startsWith("jvs").endsWith(tag);
        client.route(SUBNET, pair.a());
        try (Socket s = client.connect(ip, 7000, PATIENCE);
            BufferedReader in =
                new BufferedReader(
                    new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
          s.setSoTimeout((int) PATIENCE.toMillis()); // a lost connection fails, never hangs
          long seen = CriuTests.readConsecutive(in, 0, 10);

          HostPair.Result moved =
              pair.a()
                  .jvs(
                      "migrate",
                      g.value(),
                      "--to",
                      pair.b().url(),
                      "--token",
                      token,
                      "--fingerprint",
                      pair.b().fingerprint(),
                      "--post-copy");
          assertThat(moved.code()).as(moved.err() + pair.b().logText()).isZero();
          assertThat(moved.out()).contains("(post-copy)");
          client.route(SUBNET, pair.b());

          assertThat(hb.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
          assertThat(ipOf(hb, g)).as("the guest's address there").isEqualTo(ip);
          long after = CriuTests.readConsecutive(in, seen, seen + 30);
          assertThat(after).as("the count goes on over the same connection").isEqualTo(seen + 30);
          assertThat(hb.exec(g, "netstat", "-tn").output())
              .containsPattern(ip + ":7000 +\\S+ +ESTABLISHED");
        }
      }
      hb.guests().stop(g, Duration.ofSeconds(10));
    }
  }

  @Test
  void aDestinationServiceKilledMidTransferLeavesTheGuestRunningAtTheSource() throws Exception {
    failMidTransfer("mig2", pair -> pair.b().killService(), true, true);
  }

  @Test
  void aLinkCutMidTransferLeavesTheGuestRunningAtTheSource() throws Exception {
    failMidTransfer("mig3", HostPair::cutLink, false, true);
  }

  @Test
  void aLinkCutWhileTheLayerGoesBeforeTheFreezeLeavesTheGuestRunningAtTheSource() throws Exception {
    failMidTransfer("mig6", HostPair::cutLink, false, false);
  }

  /**
   * Post-copy past the gate: the destination's restore fails (a guest of that name appeared there
   * while the files were on their way), so the source's relay makes criu's page server fail, criu
   * resumes the guest, and jvs removes the network lock criu leaves on that path.
   */
  @Test
  void aRestoreFailingThereAfterTheGateResumesTheGuestAtTheSourceUnlocked() throws Exception {
    try (TestHost ha = new TestHost();
        TestHost hb = new TestHost();
        HostPair pair = pair(ha, hb)) {
      GuestName g = countingGuest(ha, "mig4");
      Path counterA = ha.dirs().guest(g).resolve("upper/tmp/counter");
      ha.exec(g, "dd", "if=/dev/urandom", "of=/big", "bs=1M", "count=64");
      keepChanging(ha, g, "/big"); // so it goes again once the guest is frozen
      awaitAtLeast(counterA, 5);
      pair.a().startService();
      pair.b().startService();
      String token = trust(pair);
      Path arriving = frozenPassArriving(hb, g);
      Thread planter =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      awaitFile(arriving);
                      hb.guests().build(g, "busybox");
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      HostPair.Result r =
          pair.a()
              .jvs(
                  "migrate",
                  g.value(),
                  "--to",
                  pair.b().url(),
                  "--token",
                  token,
                  "--fingerprint",
                  pair.b().fingerprint(),
                  "--post-copy");
      planter.join();

      assertThat(r.code()).as(r.out()).isNotZero();
      assertThat(r.err().strip().lines())
          .last()
          .asString()
          .contains("restore")
          .contains("the guest runs here again");
      GuestStatus status = ha.guests().status(g);
      assertThat(status.state()).isEqualTo(GuestStatus.State.RUNNING);
      countsOnFromMemory(counterA, "at the source, resumed after the gate");
      HostPair.Result rules =
          pair.a()
              .sh(
                  "nsenter -t "
                      + status.initPid()
                      + " -n sh -c 'iptables -S; ip6tables -S; nft list tables'; true");
      assertThat(rules.out()).as("criu's network lock removed").doesNotContain("CRIU");
      hb.guests().delete(g, true);
      ha.guests().stop(g, Duration.ofSeconds(10));
    }
  }

  /**
   * A guest with a 256 MiB file in its private layer, so that the transfer takes a while; {@code
   * failure} strikes once its first bytes are unpacked at the destination: in the pass after the
   * freeze ({@code frozen}: the file keeps changing, so it goes again then), or in the layer's pass
   * before it.
   */
  private static void failMidTransfer(
      String name, Consumer<HostPair> failure, boolean restart, boolean frozen) throws Exception {
    try (TestHost ha = new TestHost();
        TestHost hb = new TestHost();
        HostPair pair = pair(ha, hb)) {
      GuestName g = countingGuest(ha, name);
      Path counterA = ha.dirs().guest(g).resolve("upper/tmp/counter");
      ha.exec(g, "dd", "if=/dev/urandom", "of=/big", "bs=1M", "count=256");
      if (frozen) {
        keepChanging(ha, g, "/big");
      }
      awaitAtLeast(counterA, 5);
      pair.a().startService();
      pair.b().startService();
      String token = trust(pair);
      Path arriving =
          frozen
              ? frozenPassArriving(hb, g)
              : hb.dirs().root().resolve("incoming/" + g.value() + "/files/upper/big");

      Thread striker =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      awaitFile(arriving);
                      failure.accept(pair);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      HostPair.Result r =
          pair.a()
              .jvs(
                  "migrate",
                  g.value(),
                  "--to",
                  pair.b().url(),
                  "--token",
                  token,
                  "--fingerprint",
                  pair.b().fingerprint(),
                  "--stall-timeout",
                  "5");
      striker.join();

      assertThat(r.code()).as(r.out()).isNotZero();
      assertThat(r.err().strip().lines())
          .last()
          .asString()
          .contains(frozen ? "the guest runs here again" : "the guest kept running here");
      assertThat(ha.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      long resumedAt = lastNumber(counterA);
      Files.writeString(counterA, "0\n");
      assertThat(awaitAtLeast(counterA, resumedAt + 1))
          .as("the count goes on at the source from %d", resumedAt)
          .isGreaterThan(resumedAt);
      if (restart) {
        // a killed service drops what it had staged when it starts again
        pair.b().startService();
      }
      awaitGone(hb.dirs().root().resolve("incoming/" + g.value()));
      assertThat(hb.guests().list()).as("nothing of the guest at the destination").isEmpty();
      ha.guests().stop(g, Duration.ofSeconds(10));
    }
  }

  /**
   * An unprivileged guest keeps its host ids (criu restores its user namespace's map from its
   * images): refused before anything moves while a guest at the destination holds them, moved once
   * they are free there, its files still its root's.
   */
  @Test
  void anUnprivilegedGuestMovesWithItsIdsOnlyWhereTheyAreFree() throws Exception {
    try (TestHost ha = new TestHost();
        TestHost hb = new TestHost();
        HostPair pair = pair(ha, hb)) {
      GuestName g = countingGuest(ha, "migu", false);
      IdRange ids = ha.guests().idRange(g).orElseThrow();
      awaitAtLeast(ha.dirs().guest(g).resolve("upper/tmp/counter"), 20);
      GuestName holder = GuestName.of("holder");
      hb.guests().build(holder, "busybox");
      hb.guests().start(holder, List.of(), Guests.Attach.DETACHED);
      // both roots allocate in the same window: the first guest of each gets the same range
      assertThat(hb.guests().idRange(holder)).contains(ids);
      pair.a().startService();
      pair.b().startService();
      String token = trust(pair);
      List<String> migrate =
          List.of(
              "migrate",
              g.value(),
              "--to",
              pair.b().url(),
              "--token",
              token,
              "--fingerprint",
              pair.b().fingerprint(),
              "--stop-copy");

      HostPair.Result refused = pair.a().jvs(migrate.toArray(String[]::new));

      assertThat(refused.code()).isNotZero();
      assertThat(refused.err().strip())
          .doesNotContain("\n")
          .contains("migu: its checkpoint ran with host ids " + ids)
          .contains("guest holder holds " + ids)
          .contains("kept running here");
      assertThat(ha.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      assertThat(Files.exists(hb.dirs().root().resolve("incoming/" + g.value()))).isFalse();
      hb.guests().stop(holder, Duration.ZERO);
      hb.guests().delete(holder, false);
      // post-copy, the default, only where the kernel lets the guest's user namespace have
      // userfaultfd (vm.unprivileged_userfaultfd=1); else a one-line refusal before the freeze,
      // or the move by stop-copy, saying why
      List<String> byDefault = migrate.subList(0, migrate.size() - 1);
      boolean postCopy = PostCopySupport.missing(true).isEmpty();
      if (!postCopy) {
        List<String> asked = new ArrayList<>(byDefault);
        asked.add("--post-copy");
        HostPair.Result refusedPost = pair.a().jvs(asked.toArray(String[]::new));
        assertThat(refusedPost.code()).isNotZero();
        assertThat(refusedPost.err().strip())
            .doesNotContain("\n")
            .contains("migu: --post-copy cannot work here: an unprivileged guest's restore opens");
        assertThat(ha.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      }

      HostPair.Result moved = pair.a().jvs(byDefault.toArray(String[]::new));

      assertThat(moved.code()).as(moved.err() + pair.b().logText()).isZero();
      assertThat(moved.out()).contains(postCopy ? "(post-copy)" : "(stop-copy)");
      if (!postCopy) {
        assertThat(moved.err())
            .contains("migu: post-copy cannot work here (an unprivileged guest's restore opens");
      }
      assertThat(hb.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      assertThat(hb.guests().idRange(g)).contains(ids);
      Path counterB = hb.dirs().guest(g).resolve("upper/tmp/counter");
      countsOnFromMemory(counterB, "there, unprivileged");
      assertThat(Files.getAttribute(counterB, "unix:uid")).isEqualTo((int) ids.base());
      assertThat(hb.exec(g, "stat", "-c", "%u", "/bin/busybox", "/tmp/counter").output())
          .isEqualTo("0\n0\n");
      hb.guests().stop(g, Duration.ofSeconds(10));
    }
  }

  private static HostPair pair(TestHost a, TestHost b) {
    List<String> jvs =
        Cli.client()
            .map(c -> List.of(c.toString()))
            .orElseGet(() -> new ArrayList<>(Cli.command()));
    return new HostPair(NetNames.of(a.dirs().root()).tag(), a.dirs(), b.dirs(), jvs, a.base());
  }

  /** A token the destination trusts, as its admin would make one. */
  private static String trust(HostPair pair) {
    return trust(pair.b());
  }

  private static String trust(HostPair.Side side) {
    HostPair.Result added = side.jvs("trust", "add", "source");
    assertThat(added.code()).as(added.err()).isZero();
    return added.out().strip();
  }

  /**
   * The counter's file set to 0: what the guest writes from then on must come from its memory (the
   * shell variable it counts in), going on above the value it arrived with.
   */
  private static void countsOnFromMemory(Path counter, String where) throws Exception {
    long arrivedAt = lastNumber(counter);
    assertThat(arrivedAt).as("the count arrived " + where).isPositive();
    Files.writeString(counter, "0\n");
    assertThat(awaitAtLeast(counter, arrivedAt + 1))
        .as("the count goes on from %d %s", arrivedAt, where)
        .isGreaterThan(arrivedAt);
  }

  private static GuestName countingGuest(TestHost host, String name) throws IOException {
    return countingGuest(host, name, true);
  }

  private static GuestName countingGuest(TestHost host, String name, boolean privileged)
      throws IOException {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    if (privileged) { // as the figures in docs/migration.md were measured
      host.guests().set(g, java.util.Map.of("security.privileged", "true"));
    }
    Path script = host.dirs().guest(g).resolve("upper/counter.sh");
    Files.writeString(script, COUNTER);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    host.exec(g, "sh", "-c", "setsid /counter.sh </dev/null >/dev/null 2>&1 &");
    return g;
  }

  private static String ipOf(TestHost host, GuestName g) {
    String out = host.exec(g, "ip", "-o", "-4", "addr", "show", "dev", "eth0").output();
    return out.replaceAll("(?s).*inet (\\S+)/.*", "$1").strip();
  }

  private static long lastNumber(Path file) throws IOException {
    String s = Files.exists(file) ? Files.readString(file).strip() : "";
    return s.isEmpty() ? -1 : Long.parseLong(s.lines().reduce((x, y) -> y).orElse("-1").strip());
  }

  private static long awaitAtLeast(Path file, long n) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long v = -1;
    while (System.nanoTime() < deadline) {
      try {
        v = lastNumber(file);
      } catch (NumberFormatException e) {
        v = -1; // caught mid-write
      }
      if (v >= n) {
        return v;
      }
      Thread.sleep(50);
    }
    return v;
  }

  /** Touches {@code file} in the guest every 0.2 s, so that every pass of its layer sends it. */
  private static void keepChanging(TestHost host, GuestName g, String file) {
    host.exec(
        g,
        "sh",
        "-c",
        "setsid sh -c 'while :; do touch "
            + file
            + "; sleep 0.2; done' </dev/null >/dev/null 2>&1 &");
  }

  /**
   * What the pass after the freeze unpacks first at the destination: the images, which no pass
   * before the freeze sends.
   */
  private static Path frozenPassArriving(TestHost destination, GuestName g) {
    return destination.dirs().root().resolve("incoming/" + g.value() + "/files/checkpoint");
  }

  private static void awaitFile(Path file) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!Files.exists(file) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static void awaitGone(Path dir) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (Files.exists(dir) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(Files.exists(dir)).as(dir + " dropped").isFalse();
  }
}
