package dev.jvs.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.kernel.Landlock;
import dev.jvs.migrate.Migration;
import dev.jvs.net.NetNames;
import dev.jvs.testing.CriuTests;
import dev.jvs.testing.TestHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint and restore of a guest in the host's network stack (net.mode host-ip; issue 16, item
 * 1). Its processes are confined to its monitor's Landlock domain, which scopes abstract sockets
 * (AbstractSocketKernelTest): criu's dump runs inside that domain, forked by the guest's monitor,
 * and the restored tree is born in a new one under a jvs-init monitor. What is checked is the
 * restored guest's effect on the host: its listener answers on its address only, it still cannot
 * reach the host's abstract sockets, and its cgroup's socket hooks still keep it off the host's
 * other addresses.
 */
@Tag("kernel")
class HostIpCheckpointKernelTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private static final java.nio.charset.Charset ISO = StandardCharsets.ISO_8859_1;

  /** Counts in a shell variable; /tmp/counter shows the count (CriuTests.counterScript). */
  private static final String COUNTER = CriuTests.counterScript("usleep 100000");

  /** A server's per-connection program: counts to its client, one number a line. */
  private static final String COUNT_TO_CLIENT =
      "#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo $i || exit; usleep 100000; done\n";

  @BeforeAll
  static void criuIsThere() {
    CriuTests.abortWithoutCriu();
  }

  /**
   * An unprivileged guest (every new guest): it has the host's sysfs alone, which criu binds back
   * from a clone its restore's namespace holds.
   */
  @Test
  void anUnprivilegedHostIpGuestIsRestoredOnItsAddressInsideItsDomain() throws Exception {
    restoredOnItsAddressInsideItsDomain(false);
  }

  /** A privileged guest: its own sysfs, which criu mounts again. */
  @Test
  void aPrivilegedHostIpGuestIsRestoredOnItsAddressInsideItsDomain() throws Exception {
    restoredOnItsAddressInsideItsDomain(true);
  }

  private static void restoredOnItsAddressInsideItsDomain(boolean privileged) throws Exception {
    String firewall = criuOnTheHostsFirewall();
    try (TestHost host = new TestHost()) {
      String tag = NetNames.of(host.dirs().root()).tag();
      String ip = "10.213." + Integer.parseInt(tag.substring(0, 2), 16) + ".9";
      int port = 30000 + (Integer.parseInt(tag.substring(0, 3), 16) + 7) % 20000;
      GuestName g =
          AttackHost.guest(
              host,
              "ckhip",
              Map.of(
                  "net.mode",
                  "host-ip",
                  "net.ip",
                  ip,
                  "security.privileged",
                  Boolean.toString(privileged)));
      install(host, g, "/counter.sh", COUNTER);
      install(host, g, "/count.sh", COUNT_TO_CLIENT);
      run(host, g, "setsid /counter.sh </dev/null >/dev/null 2>&1 &");
      // -ll: a server that stays, each connection served by a fork running count.sh
      run(host, g, "setsid nc -ll -p " + port + " -e /count.sh </dev/null >/dev/null 2>&1 &");
      awaitCount(host, g, 10);
      String psBefore = processes(host, g);
      // its sockets are bound to this host's addresses: refused before anyone is contacted
      Migration away = CriuTests.migrationToNowhere(host.guests());
      assertThatThrownBy(() -> away.migrate(g))
          .hasMessage(
              "ckhip: net.mode host-ip: a guest in the host's network stack cannot migrate (only"
                  + " one with a network of its own does)");
      assertThat(processes(host, g)).as("it runs on as it was").isEqualTo(psBefore);

      long stoppedAt = checkpointAndRestore(host, g);
      assertThat(processes(host, g)).as("the same processes, same pids").isEqualTo(psBefore);
      assertThat(awaitCount(host, g, stoppedAt + 1))
          .as("the count goes on from memory")
          .isGreaterThan(stoppedAt);
      assertThat(sh("ss -Htln sport = :" + port))
          .as("the restored listener, on the guest's address only")
          .contains(ip + ":" + port)
          .doesNotContain("0.0.0.0:" + port)
          .doesNotContain("*:" + port);
      readCountFrom(host, g, ip, port);

      String other =
          sh("ip -o -4 addr show dev eth0").replaceAll("(?s).*inet (\\S+)/.*", "$1").strip();
      TestHost.Run bad =
          host.exec(g, "sh", "-c", "httpd -f -p " + other + ":" + (port + 1) + " -h /tmp");
      assertThat(bad.code()).as("binding the host's %s after the restore", other).isNotZero();
      assertThat(bad.output()).contains("bind: Operation not permitted");
      if (Landlock.scopesAbstractSockets()) {
        assertTheHostsAbstractSocketIsOutOfReach(host, g);
      }

      // The restored guest's monitor serves the next dump inside the restored domain.
      long second = checkpointAndRestore(host, g);
      assertThat(awaitCount(host, g, second + 1)).isGreaterThan(second);
      readCountFrom(host, g, ip, port);

      // An established connection is the host's: refused in one line, the guest runs on.
      String secondImages = Files.readString(images(host, g).resolve("inventory.img"), ISO);
      long init = host.guests().status(g).initPid();
      try (Socket client = connect(ip, port);
          BufferedReader in = reader(client)) {
        long seen = CriuTests.readConsecutive(in, 0, 3);
        assertThatThrownBy(() -> host.guests().checkpoint(g, false, Optional.empty()))
            .isInstanceOf(JvsException.class)
            .hasMessageStartingWith(
                "ckhip: it holds an established TCP connection, which is the host's: a guest in"
                    + " the host's network stack is checkpointed with listening sockets only");
        assertThat(host.guests().status(g).initPid()).isEqualTo(init);
        CriuTests.readConsecutive(in, seen, seen + 5);
      }
      assertThat(Files.readString(images(host, g).resolve("inventory.img"), ISO))
          .as("the failed dump cost nothing: the last checkpoint is there")
          .isEqualTo(secondImages);
      awaitNoConnection(host, g);

      // A checkpoint no restore follows (the guest stays stopped): criu would lock the network
      // namespace of the tree, here the host's, and that lock would stay on the host (below).
      host.guests().checkpoint(g, false, Optional.empty());
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);

      // It is refused in one line for a net.mode whose network its processes did not run in.
      host.guests().set(g, Map.of("net.mode", "bridge"));
      assertThatThrownBy(() -> host.guests().restore(g, Optional.empty()))
          .isInstanceOf(JvsException.class)
          .hasMessageStartingWith(
              "ckhip: the checkpoint's processes ran in the host's network stack, and they would"
                  + " be restored in one of their own");
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
    }
    // criu locks the network namespace of the tree it dumps, here the host's: nothing of it stays
    assertThat(criuOnTheHostsFirewall())
        .as("criu's tables and chains on the host")
        .isEqualTo(firewall);
  }

  /** What of criu's network lock the host's firewall holds: nft tables, iptables chains. */
  private static String criuOnTheHostsFirewall() throws Exception {
    return sh("{ nft list tables; iptables -S; ip6tables -S; } 2>/dev/null | grep -i criu");
  }

  private static Path images(TestHost host, GuestName g) {
    return host.dirs().guest(g).resolve("checkpoint");
  }

  /** Checkpoints the running guest, checks it stopped, restores it; returns the count it had. */
  private static long checkpointAndRestore(TestHost host, GuestName g) throws Exception {
    host.guests().checkpoint(g, false, Optional.empty());
    assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.STOPPED);
    Path counter = host.dirs().guest(g).resolve("upper/tmp/counter");
    long stoppedAt = Long.parseLong(Files.readString(counter).strip());
    // what the guest shows after the restore must come from its memory, not from this file
    Files.writeString(counter, "0\n");
    host.guests().restore(g, Optional.empty());
    assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
    return stoppedAt;
  }

  /** A host process's abstract socket: the restored guest's connect fails, the control's works. */
  private static void assertTheHostsAbstractSocketIsOutOfReach(TestHost host, GuestName g)
      throws Exception {
    String name = "jvs-ckpt-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    String secret = "secret-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    Path out = host.base().resolve("abstract-serve.out");
    Process server = AttackHost.onHostInBackground(out, "abstract-serve", name, secret, "60");
    AttackHost.Ran control;
    String fromGuest;
    try {
      assertThat(
              AttackHost.awaitLine(
                  () -> AttackHost.read(out), "abstract-serve listening", Duration.ofSeconds(10)))
          .as(AttackHost.read(out))
          .isPresent();
      control = AttackHost.onHost("abstract-connect", name);
      assertThat(control.output()).isEqualTo("abstract-connect read " + secret);
      fromGuest = AttackHost.inGuest(host, g, "abstract-connect", name);
    } finally {
      AttackHost.kill(server);
    }
    assertThat(fromGuest)
        .as("the restored guest connecting to the host's @%s", name)
        .startsWith("abstract-connect fail ")
        .doesNotContain(secret);
    assertThat(
            AttackHost.read(out).lines().filter(l -> l.startsWith("abstract-serve peer")).toList())
        .as("peers of the host's server")
        .containsExactly("abstract-serve peer pid=" + control.pid() + " uid=0 gid=0");
  }

  /**
   * A fresh connection to the guest's listener reads 1, 2, 3, …; returns once the guest's end of it
   * is gone too (its count.sh ends at its next write), so that a dump finds no connection.
   */
  private static void readCountFrom(TestHost host, GuestName g, String ip, int port)
      throws Exception {
    try (Socket client = connect(ip, port);
        BufferedReader in = reader(client)) {
      CriuTests.readConsecutive(in, 0, 5);
    }
    awaitNoConnection(host, g);
  }

  /** Once the guest's end of a closed connection is gone too (its count.sh ends at a write). */
  private static void awaitNoConnection(TestHost host, GuestName g) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (host.exec(g, "sh", "-c", "ps -o comm | grep -qx count.sh").code() == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(g + ": the connection's count.sh never ended");
      }
      Thread.sleep(100);
    }
  }

  private static Socket connect(String ip, int port) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress(ip, port), 2_000);
        s.setSoTimeout((int) PATIENCE.toMillis()); // a lost connection fails, never hangs
        return s;
      } catch (java.io.IOException e) {
        s.close();
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static BufferedReader reader(Socket s) throws java.io.IOException {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
  }

  private static void install(TestHost host, GuestName g, String path, String script) {
    run(host, g, "printf '%s' \"$0\" > " + path + " && chmod 755 " + path, script);
  }

  private static void run(TestHost host, GuestName g, String command, String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("sh", "-c", command));
    argv.addAll(List.of(args));
    TestHost.Run r = host.exec(g, argv.toArray(String[]::new));
    assertThat(r.code()).as(r.output()).isZero();
  }

  /** Waits until the guest's count is at least {@code min}; returns it. */
  private static long awaitCount(TestHost host, GuestName g, long min) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long last = -1;
    while (System.nanoTime() < deadline) {
      String out = host.exec(g, "cat", "/tmp/counter").output().strip();
      last = out.matches("\\d+") ? Long.parseLong(out) : -1;
      if (last >= min) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(g + ": /tmp/counter never reached " + min + " (last " + last + ")");
  }

  /**
   * The guest's processes as "PID COMMAND" lines, without the ps and the counter's children, and
   * only the first process of each command (nc forks one per connection).
   */
  private static String processes(TestHost host, GuestName g) {
    TestHost.Run ps = host.exec(g, "ps", "-o", "pid,ppid,args");
    assertThat(ps.code()).isZero();
    Map<String, String> firstByCommand = new java.util.LinkedHashMap<>();
    CriuTests.withoutCountersChildren(ps.output())
        .forEach(l -> firstByCommand.putIfAbsent(l.replaceFirst("^\\S+\\s+", ""), l));
    return String.join("\n", firstByCommand.values());
  }

  private static String sh(String command) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
}
