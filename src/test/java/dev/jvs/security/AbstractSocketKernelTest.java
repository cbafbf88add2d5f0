package dev.jvs.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.net.NetNames;
import dev.jvs.testing.TestHost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Abstract unix sockets are named in the network namespace, not in the file system (hole C): a
 * guest sharing the host's stack (net.mode host-ip or host) sees the host's abstract names whatever
 * its mount namespace, and must not be able to connect or send to them. Its own processes must
 * still be able to use abstract sockets among themselves.
 */
@Tag("kernel")
class AbstractSocketKernelTest {
  private static final Duration READY = Duration.ofSeconds(10);

  /** A host-ip address of this root's own (as HostIpKernelTest picks it). */
  private static String guestIp(TestHost host) {
    int n = Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 2), 16);
    return "10.213." + n + ".7";
  }

  private static String random(String prefix) {
    return prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  @Test
  void hostIpAndHostGuestsCannotReachTheHostsAbstractSockets() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName vctx =
          AttackHost.guest(
              host, "abstractip", Map.of("net.mode", "host-ip", "net.ip", guestIp(host)));
      GuestName shared = AttackHost.guest(host, "abstracthost", Map.of("net.mode", "host"));
      String name = random("jvs-attack-");
      String secret = random("secret-");
      String dgramName = name + "-dgram";
      Path streamOut = host.base().resolve("abstract-serve.out");
      Path dgramOut = host.base().resolve("abstract-dgram-serve.out");
      Process server =
          AttackHost.onHostInBackground(streamOut, "abstract-serve", name, secret, "60");
      Process dgram =
          AttackHost.onHostInBackground(dgramOut, "abstract-dgram-serve", dgramName, "60");
      AttackHost.Ran control;
      SoftAssertions softly = new SoftAssertions();
      try {
        assertThat(
                AttackHost.awaitLine(
                    () -> AttackHost.read(streamOut), "abstract-serve listening", READY))
            .as(AttackHost.read(streamOut))
            .isPresent();
        assertThat(
                AttackHost.awaitLine(
                    () -> AttackHost.read(dgramOut), "abstract-dgram-serve listening", READY))
            .as(AttackHost.read(dgramOut))
            .isPresent();

        // Control: a process of the host does get the secret, so the server works.
        control = AttackHost.onHost("abstract-connect", name);
        assertThat(control.output()).isEqualTo("abstract-connect read " + secret);
        assertThat(AttackHost.onHost("abstract-send", dgramName, "from-the-host").output())
            .isEqualTo("abstract-send ok");

        // Every attempt is made and reported before anything is asserted: the failure shows
        // what each guest got.
        for (GuestName g : List.of(vctx, shared)) {
          String connect = AttackHost.inGuest(host, g, "abstract-connect", name);
          softly
              .assertThat(connect)
              .as("%s connecting to the host's @%s", g, name)
              .startsWith("abstract-connect fail ")
              .doesNotContain(secret);
          String send = AttackHost.inGuest(host, g, "abstract-send", dgramName, "from-" + g);
          softly
              .assertThat(send)
              .as("%s sending to the host's @%s", g, dgramName)
              .startsWith("abstract-send fail ");
        }
      } finally {
        AttackHost.kill(server);
        AttackHost.kill(dgram);
      }
      // The servers saw the control and nothing else (SO_PEERCRED pids are the host's).
      softly
          .assertThat(
              AttackHost.read(streamOut)
                  .lines()
                  .filter(l -> l.startsWith("abstract-serve peer"))
                  .toList())
          .as("peers of the host's stream server")
          .containsExactly("abstract-serve peer pid=" + control.pid() + " uid=0 gid=0");
      softly
          .assertThat(
              AttackHost.read(dgramOut)
                  .lines()
                  .filter(l -> l.startsWith("abstract-dgram-serve got"))
                  .toList())
          .as("datagrams of the host's datagram server")
          .containsExactly("abstract-dgram-serve got from-the-host");
      softly.assertAll();
    }
  }

  @Test
  void processesOfOneExecInAHostIpGuestShareAbstractSockets() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g =
          AttackHost.guest(
              host, "abstractown", Map.of("net.mode", "host-ip", "net.ip", guestIp(host)));
      String name = random("jvs-own-");
      String secret = random("own-");
      TestHost.Run both =
          host.exec(
              g,
              "sh",
              "-c",
              "/attack-host abstract-serve "
                  + name
                  + " "
                  + secret
                  + " 20 > /tmp/s 2>&1 & "
                  + "i=0; while ! grep -q listening /tmp/s && [ $i -lt 100 ]; do "
                  + "sleep 0.1; i=$((i+1)); done; "
                  + "/attack-host abstract-connect "
                  + name
                  + "; kill $!");
      assertThat(both.output()).as(both.output()).contains("abstract-connect read " + secret);
    }
  }

  /**
   * A service started by one `jvs exec` and its client tool run by a later one are processes of the
   * same guest too. (Landlock cannot join a process to an existing domain: with a domain made per
   * exec the two are in sibling domains and the client gets EPERM; so does a client of a service
   * that the guest's init started.)
   */
  @Test
  void processesOfSeparateExecsInAHostIpGuestShareAbstractSockets() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g =
          AttackHost.guest(
              host, "abstractexecs", Map.of("net.mode", "host-ip", "net.ip", guestIp(host)));
      String name = random("jvs-own-");
      String secret = random("own-");
      AttackHost.holdInGuest(host, g, "/tmp/s", READY, "abstract-serve", name, secret, "20");
      try {
        assertThat(AttackHost.inGuest(host, g, "abstract-connect", name))
            .as("a client from a second exec")
            .isEqualTo("abstract-connect read " + secret);
      } finally {
        AttackHost.releaseInGuest(host, g);
      }
    }
  }
}
