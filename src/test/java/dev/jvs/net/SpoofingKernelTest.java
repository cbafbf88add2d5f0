package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.Probe;
import dev.jvs.testing.TestHost;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Source-address spoofing from guests (issue 15, item 6, the network part): a guest sends UDP
 * datagrams with a forged source (a raw socket with its own IP header, else IP_FREEBIND or
 * IP_TRANSPARENT on a UDP socket: src/test/c/attack-guest.c `spoof-udp`) to a listener in the
 * test's own outside namespace, which prints each datagram's source and payload. A unique marker
 * per datagram tells which one arrived, and how. The forged one must not arrive with the forged
 * source; the guest's own datagram, sent the same way, must arrive (so the path works).
 */
@Tag("kernel")
class SpoofingKernelTest {
  /** TEST-NET-3: in no subnet of the host, so a forged datagram from it is never masqueraded. */
  private static final String FORGED = "203.0.113.9";

  private static final int PORT = 5353;

  private final String mark =
      "jvs-spoof-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());

  /** Starts the listener for {@code seconds}; its output once it ends. */
  private static CompletableFuture<String> listen(OutsideHost out, int seconds) throws Exception {
    String probe = Probe.binary("attack-guest").toString();
    CompletableFuture<String> heard =
        CompletableFuture.supplyAsync(
            () -> out.inside(probe + " udp-listen " + PORT + " " + seconds));
    Thread.sleep(500);
    return heard;
  }

  private static String spoof(TestHost host, GuestName g, String src, String dst, String mark) {
    return host.exec(g, "/attack-guest", "spoof-udp", src, dst, Integer.toString(PORT), mark)
        .output()
        .strip();
  }

  private static String ipOf(TestHost host, GuestName g) {
    String out = host.exec(g, "ip", "-o", "-4", "addr", "show", "dev", "eth0").output();
    return out.replaceAll("(?s).*inet (\\S+)/.*", "$1").strip();
  }

  private static GuestName guest(TestHost host, String name, Map<String, String> keys) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    host.guests().set(g, keys);
    host.installProbe(g, "attack-guest");
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  /**
   * A bridge guest's forged datagrams die at its veth: without capabilities (IP_FREEBIND needs
   * none) and with NET_RAW (standing in for a root that holds it in its own namespace).
   */
  @Test
  void bridgeGuestsCannotSendWithAForgedSource() throws Exception {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "");
      try (OutsideHost out = new OutsideHost(host)) {
        GuestName plain = guest(host, "spoofer", Map.of("net.mode", "bridge"));
        GuestName raw =
            guest(host, "rawspoofer", Map.of("net.mode", "bridge", "caps.add", "NET_RAW"));
        CompletableFuture<String> heard = listen(out, 6);
        String dst = out.address();
        // No raw socket, no IP_TRANSPARENT; IP_FREEBIND binds a foreign address but its routing
        // refuses the source (only transparent and raw sockets may send from any address).
        assertThat(spoof(host, plain, FORGED, dst, mark + "-plain-forged"))
            .isEqualTo("spoof-udp fail EPERM");
        assertThat(spoof(host, raw, FORGED, dst, mark + "-raw-forged"))
            .isEqualTo("spoof-udp ok raw");
        assertThat(spoof(host, raw, ipOf(host, raw), dst, mark + "-raw-own"))
            .isEqualTo("spoof-udp ok raw");
        assertThat(spoof(host, plain, ipOf(host, plain), dst, mark + "-plain-own"))
            .isEqualTo("spoof-udp ok freebind");
        String lines = heard.get(20, TimeUnit.SECONDS);
        // the guests' own datagrams arrive, masqueraded to the host's address
        assertThat(lines)
            .contains("udp-from " + out.hostAddress() + " " + mark + "-raw-own")
            .contains("udp-from " + out.hostAddress() + " " + mark + "-plain-own")
            .doesNotContain(mark + "-plain-forged")
            .doesNotContain(mark + "-raw-forged")
            .doesNotContain(FORGED);

        // The veth's source check is what stopped it: without it, the forged datagram arrives.
        String table = NetNames.of(host.dirs().root()).table();
        for (String line :
            OutsideHost.sh("nft -a list chain bridge " + table + " prerouting").lines().toList()) {
          if (line.contains("\"guest:" + raw + "\"")) {
            OutsideHost.sh(
                "nft delete rule bridge "
                    + table
                    + " prerouting handle "
                    + line.replaceAll(".*# handle (\\d+).*", "$1"));
          }
        }
        CompletableFuture<String> unchecked = listen(out, 3);
        assertThat(spoof(host, raw, FORGED, dst, mark + "-unchecked"))
            .isEqualTo("spoof-udp ok raw");
        assertThat(unchecked.get(20, TimeUnit.SECONDS))
            .contains("udp-from " + FORGED + " " + mark + "-unchecked");
      }
    }
  }

  /**
   * A host-ip guest shares the host's stack: its bind hook refuses a foreign address, raw sockets
   * need NET_RAW, which it lacks and cannot be given (nor NET_ADMIN: IP_TRANSPARENT, routes).
   */
  @Test
  void hostIpGuestsCannotSendWithAForgedSourceNorGetRawSockets() throws Exception {
    try (TestHost host = new TestHost()) {
      int n = Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 2), 16);
      String ip = "10.213." + n + ".6";
      try (OutsideHost out = new OutsideHost(host)) {
        GuestName g = guest(host, "ipspoofer", Map.of("net.mode", "host-ip", "net.ip", ip));
        CompletableFuture<String> heard = listen(out, 4);
        assertThat(spoof(host, g, FORGED, out.address(), mark + "-forged"))
            .isEqualTo("spoof-udp fail EPERM");
        assertThat(spoof(host, g, ip, out.address(), mark + "-own"))
            .isEqualTo("spoof-udp ok freebind");
        String lines = heard.get(20, TimeUnit.SECONDS);
        assertThat(lines)
            .contains("udp-from " + ip + " " + mark + "-own")
            .doesNotContain(mark + "-forged")
            .doesNotContain(FORGED);

        for (String cap : List.of("NET_RAW", "NET_ADMIN")) {
          GuestName capped = GuestName.of("ipraw" + cap.substring(4).toLowerCase());
          host.guests().build(capped, "busybox");
          host.guests().set(capped, Map.of("net.mode", "host-ip", "net.ip", ip, "caps.add", cap));
          assertThatThrownBy(() -> host.guests().start(capped, List.of(), Guests.Attach.DETACHED))
              .isInstanceOf(JvsException.class)
              .satisfies(
                  x ->
                      assertThat(x.getMessage())
                          .contains(capped + ": caps.add: " + cap)
                          .contains("host-ip")
                          .doesNotContain("\n"));
        }
      }
    }
  }
}
