package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.TestHost;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** bridge mode (issue 3, acceptance 1, 3 and 5), on the real kernel. */
@Tag("kernel")
class BridgeKernelTest {

  private static GuestName bridged(TestHost host, String name, Map<String, String> extra) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    Map<String, String> keys = new java.util.LinkedHashMap<>(Map.of("net.mode", "bridge"));
    keys.putAll(extra);
    host.guests().set(g, keys);
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  private static String ipOf(TestHost host, GuestName g) {
    String out = host.exec(g, "ip", "-o", "-4", "addr", "show", "dev", "eth0").output();
    return out.replaceAll("(?s).*inet (\\S+)/.*", "$1").strip();
  }

  private static void serveHttp(TestHost host, GuestName g, String body) {
    TestHost.Run r =
        host.exec(
            g,
            "sh",
            "-c",
            "mkdir -p /www && echo " + body + " > /www/index.html && httpd -p 80 -h /www");
    assertThat(r.code()).as(r.output()).isZero();
  }

  private static String wget(TestHost host, GuestName g, String url) {
    return host.exec(g, "timeout", "5", "wget", "-q", "-O", "-", url).output().strip();
  }

  @Test
  void guestsReachEachOtherTheHostAndTheOutsideAndPublishedPortsWork() throws Exception {
    try (TestHost host = new TestHost()) {
      Subnet subnet = OutsideHost.useOwnSubnet(host, "");
      try (OutsideHost out = new OutsideHost(host)) {
        out.serve(9000, "hello-outside");
        int published = 20000 + out.n;
        GuestName a = bridged(host, "bra", Map.of("net.publish", published + ":80/tcp"));
        GuestName b = bridged(host, "brb", Map.of());
        String ipA = ipOf(host, a);
        String ipB = ipOf(host, b);
        assertThat(subnet.assignable(Ipv4.parse(ipA))).as(ipA).isTrue();
        assertThat(subnet.assignable(Ipv4.parse(ipB))).as(ipB).isTrue();
        assertThat(ipA).isNotEqualTo(ipB);
        assertThat(host.exec(a, "ip", "route").output())
            .contains("default via " + subnet.gateway());
        assertThat(host.exec(a, "cat", "/etc/hosts").output()).contains(ipA + "\tbra");
        assertThat(host.exec(a, "cat", "/etc/resolv.conf").output()).contains("written by jvs");

        serveHttp(host, a, "hello-a");
        assertThat(wget(host, b, "http://" + ipA + "/")).isEqualTo("hello-a");
        String v6A =
            NetNames.of(host.dirs().root()).ula()
                + Integer.toHexString(Ipv4.parse(ipA).bits() - subnet.network().bits());
        // Compared as addresses: `ip` prints the canonical text, which may differ in zeros.
        assertThat(
                host.exec(a, "ip", "-6", "-o", "addr", "show", "dev", "eth0")
                    .output()
                    .lines()
                    .map(l -> l.replaceAll(".* inet6 ([0-9a-f:]+)/.*", "$1"))
                    .map(BridgeKernelTest::inet6))
            .contains(inet6(v6A));
        assertThat(wget(host, b, "http://[" + v6A + "]/")).isEqualTo("hello-a");
        assertThat(wget(host, a, "http://" + out.address() + ":9000/")).isEqualTo("hello-outside");

        // guest -> host: a listener on the host's bridge address
        try (ServerSocket server = new ServerSocket()) {
          server.bind(new InetSocketAddress(InetAddress.getByName(subnet.gateway().toString()), 0));
          Thread t = Thread.ofVirtual().start(() -> answer(server, "hello-host"));
          assertThat(
                  wget(host, b, "http://" + subnet.gateway() + ":" + server.getLocalPort() + "/"))
              .isEqualTo("hello-host");
          t.join(5000);
        }

        // published: from the outside and from the host itself
        assertThat(
                out.inside(
                        "busybox timeout 5 busybox wget -q -O - http://"
                            + out.hostAddress()
                            + ":"
                            + published
                            + "/")
                    .strip())
            .isEqualTo("hello-a");
        assertThat(
                OutsideHost.sh(
                        "busybox timeout 5 busybox wget -q -O - http://"
                            + out.hostAddress()
                            + ":"
                            + published
                            + "/")
                    .strip())
            .isEqualTo("hello-a");

        // addresses survive restarts, whatever the order
        host.guests().stop(a, java.time.Duration.ZERO);
        host.guests().stop(b, java.time.Duration.ZERO);
        assertThat(Links.exists(NetNames.of(host.dirs().root()).bridge())).isFalse();
        host.guests().start(b, List.of(), Guests.Attach.DETACHED);
        host.guests().start(a, List.of(), Guests.Attach.DETACHED);
        assertThat(ipOf(host, a)).isEqualTo(ipA);
        assertThat(ipOf(host, b)).isEqualTo(ipB);
      }
    }
  }

  /**
   * A published port answers wherever the host's own services would (issue 15, item 4): on
   * 127.0.0.1, on the host's own addresses (IPv4 and IPv6), from another network namespace (the
   * outside host), and from another guest through the host's address (hairpin). Guests cannot use
   * the bridge's route_localnet to reach the host's loopback.
   */
  @Test
  void publishedPortsAnswerOnLoopbackOnHostAddressesAndFromElsewhere() throws Exception {
    try (TestHost host = new TestHost()) {
      Subnet subnet = OutsideHost.useOwnSubnet(host, "");
      try (OutsideHost out = new OutsideHost(host)) {
        int published = 21000 + out.n;
        GuestName a = bridged(host, "pub", Map.of("net.publish", published + ":80/tcp"));
        GuestName b = bridged(host, "peer", Map.of());
        serveHttp(host, a, "hello-pub");
        String ula = NetNames.of(host.dirs().root()).ula();
        List<String> hostTargets = new java.util.ArrayList<>();
        hostTargets.add("127.0.0.1");
        hostTargets.add("[" + ula + "1]");
        hostTargets.add(out.hostAddress());
        for (String family : List.of("-4", "-6")) {
          OutsideHost.sh("ip -o " + family + " addr show scope global")
              .lines()
              .filter(l -> !l.split("\\s+")[1].startsWith("jvs"))
              .map(l -> l.replaceAll(".* inet6? ([0-9a-f.:]+)/.*", "$1"))
              .map(t -> t.contains(":") ? "[" + t + "]" : t)
              .forEach(hostTargets::add);
        }
        for (String target : hostTargets) {
          assertThat(
                  OutsideHost.sh(
                          "busybox timeout 5 busybox wget -q -O - http://"
                              + target
                              + ":"
                              + published
                              + "/")
                      .strip())
              .as("from the host to " + target)
              .isEqualTo("hello-pub");
        }
        assertThat(
                out.inside(
                        "busybox timeout 5 busybox wget -q -O - http://"
                            + out.hostAddress()
                            + ":"
                            + published
                            + "/")
                    .strip())
            .as("from another namespace")
            .isEqualTo("hello-pub");
        assertThat(wget(host, b, "http://" + subnet.gateway() + ":" + published + "/"))
            .as("from another guest through the host's address")
            .isEqualTo("hello-pub");

        // route_localnet is on for the bridge, but a guest still cannot reach the host's
        // loopback-only services through its gateway.
        try (ServerSocket loopbackOnly = new ServerSocket()) {
          loopbackOnly.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
          Thread t = Thread.ofVirtual().start(() -> answer(loopbackOnly, "hello-loopback"));
          String gwMac =
              java.nio.file.Files.readString(
                      java.nio.file.Path.of(
                          "/sys/class/net", NetNames.of(host.dirs().root()).bridge(), "address"))
                  .strip();
          // What a guest holding NET_ADMIN in its own namespace could set up: 127.0.0.1 routed
          // out of eth0 to the gateway's MAC instead of its own loopback.
          OutsideHost.sh(
              "nsenter --net=/proc/"
                  + host.guests().status(b).initPid()
                  + "/ns/net sh -c 'ip route del local 127.0.0.0/8 dev lo table local;"
                  + " ip route del local 127.0.0.1 dev lo table local;"
                  + " sysctl -q -w net.ipv4.conf.eth0.route_localnet=1;"
                  + " ip neigh replace 127.0.0.1 lladdr "
                  + gwMac
                  + " dev eth0 nud permanent; ip route add 127.0.0.1/32 dev eth0'");
          assertThat(wget(host, b, "http://127.0.0.1:" + loopbackOnly.getLocalPort() + "/"))
              .doesNotContain("hello");
          loopbackOnly.close();
          t.join(5000);
        }
      }
    }
  }

  /**
   * A published port answers on the host's ::1 (issue 15, item 4), where DNAT cannot serve it, by
   * the guest's socket hooks on the cgroup2 root; a guest's own ::1 stays its own; the hooks go
   * with the guest.
   */
  @Test
  void publishedPortsAnswerOnIpv6LoopbackAndTheHooksGoWithTheGuest() throws Exception {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "");
      int published = 22000 + (int) (ProcessHandle.current().pid() % 1000);
      GuestName a = GuestName.of("pub6");
      host.guests().build(a, "busybox");
      host.installProbe(a, "udp-answer");
      host.guests()
          .set(
              a,
              Map.of(
                  "net.mode",
                  "bridge",
                  "net.publish",
                  published + ":80/tcp," + published + ":53/udp"));
      host.guests().start(a, List.of(), Guests.Attach.DETACHED);
      serveHttp(host, a, "hello-v6");
      assertThat(host.exec(a, "sh", "-c", "/udp-answer 53 hello-udp >/dev/null 2>&1 &").code())
          .isZero();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getByName("::1"), published), 5000);
        s.setSoTimeout(5000);
        s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(reply).as("from the host to [::1]:" + published).contains("hello-v6");
      }
      assertThat(
              OutsideHost.sh(
                      "busybox timeout 5 busybox wget -q -O - http://[::1]:" + published + "/")
                  .strip())
          .isEqualTo("hello-v6");
      // unconnected UDP: the answer comes back from [::1]:PORT, where the client sent it
      try (java.net.DatagramSocket udp = new java.net.DatagramSocket(0)) {
        udp.setSoTimeout(5000);
        byte[] hi = "hi\n".getBytes(StandardCharsets.US_ASCII);
        udp.send(
            new java.net.DatagramPacket(
                hi, hi.length, new InetSocketAddress(InetAddress.getByName("::1"), published)));
        java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[100], 100);
        udp.receive(in);
        assertThat(new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII))
            .contains("hello-udp");
        assertThat(in.getSocketAddress())
            .isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), published));
      }
      // In the guest, ::1 is the guest's own loopback, where nothing listens on that port.
      assertThat(wget(host, a, "http://[::1]:" + published + "/")).doesNotContain("hello");

      host.guests().stop(a, java.time.Duration.ZERO);
      assertThat(dev.jvs.testing.LeakAudit.leftovers(host.base(), host.dirs().cgroupParent()))
          .isEmpty();
      try (Socket s = new Socket()) {
        assertThatThrownBy(
                () -> s.connect(new InetSocketAddress(InetAddress.getByName("::1"), published)))
            .isInstanceOf(java.net.ConnectException.class);
      }
    }
  }

  private static void answer(ServerSocket server, String body) {
    try (Socket s = server.accept();
        OutputStream o = s.getOutputStream()) {
      s.getInputStream().read(new byte[1024]);
      o.write(
          ("HTTP/1.0 200 OK\r\nContent-Length: " + (body.length() + 1) + "\r\n\r\n" + body + "\n")
              .getBytes(StandardCharsets.US_ASCII));
    } catch (java.io.IOException e) {
      // the test's assertion reports the failure
    }
  }

  /**
   * A bridge left to itself takes its lowest port MAC, so a restarting guest changed the gateway
   * MAC the other guests had cached, and their traffic went nowhere until the entry expired.
   */
  @Test
  void otherGuestsKeepTheirGatewayWhileOneRestarts() throws Exception {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "");
      try (OutsideHost out = new OutsideHost(host)) {
        out.serve(9000, "hello-outside");
        GuestName a = bridged(host, "rsa", Map.of());
        GuestName b = bridged(host, "rsb", Map.of());
        NetNames names = NetNames.of(host.dirs().root());
        assertThat(wget(host, b, "http://" + out.address() + ":9000/")).isEqualTo("hello-outside");
        for (int i = 0; i < 3; i++) {
          host.guests().stop(a, java.time.Duration.ZERO);
          host.guests().start(a, List.of(), Guests.Attach.DETACHED);
          assertThat(linkMac(names.bridge())).isEqualTo(names.bridgeMac());
          assertThat(wget(host, b, "http://" + out.address() + ":9000/"))
              .as("after restart " + i)
              .isEqualTo("hello-outside");
        }
      }
    }
  }

  private static String linkMac(String link) throws java.io.IOException {
    return java.nio.file.Files.readString(java.nio.file.Path.of("/sys/class/net", link, "address"))
        .strip();
  }

  @Test
  void isolatedGuestReachesTheOutsideButNoOtherGuest() throws Exception {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "");
      try (OutsideHost out = new OutsideHost(host)) {
        out.serve(9000, "hello-outside");
        GuestName open = bridged(host, "open", Map.of());
        GuestName iso = bridged(host, "iso", Map.of("net.isolate", "true"));
        serveHttp(host, open, "hello-open");
        serveHttp(host, iso, "hello-iso");
        assertThat(wget(host, iso, "http://" + ipOf(host, open) + "/")).doesNotContain("hello");
        assertThat(wget(host, open, "http://" + ipOf(host, iso) + "/")).doesNotContain("hello");
        assertThat(wget(host, iso, "http://" + out.address() + ":9000/"))
            .isEqualTo("hello-outside");
      }
    }
  }

  /**
   * IPv6 on the bridge (issue 15, item 4): each guest has an address in the root's ULA /64 and a
   * default route via the host's <ula>::1; guests and the host reach each other over IPv6; and
   * net.isolate holds for IPv6 as for IPv4 (the bridge table drops every frame, whatever its type).
   */
  @Test
  void ipv6GuestsHaveAnAddressAndRouteAndIsolationHoldsForIpv6() throws Exception {
    try (TestHost host = new TestHost()) {
      Subnet subnet = OutsideHost.useOwnSubnet(host, "");
      String ula = NetNames.of(host.dirs().root()).ula();
      GuestName open = bridged(host, "open6", Map.of());
      GuestName other = bridged(host, "other6", Map.of());
      GuestName iso = bridged(host, "iso6", Map.of("net.isolate", "true"));
      for (GuestName g : List.of(open, other, iso)) {
        String v6 =
            ula + Integer.toHexString(Ipv4.parse(ipOf(host, g)).bits() - subnet.network().bits());
        assertThat(
                host.exec(g, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global")
                    .output())
            .as(g.value())
            .contains("inet6 " + v6 + "/64");
        assertThat(host.exec(g, "ip", "-6", "route", "show", "default").output())
            .as(g.value())
            .contains("default via " + ula + "1 dev eth0");
        serveHttp(host, g, "hello-" + g.value());
      }
      String v6Open = v6(host, subnet, open);
      String v6Iso = v6(host, subnet, iso);
      assertThat(wget(host, other, "http://[" + v6Open + "]/")).isEqualTo("hello-open6");
      assertThat(
              OutsideHost.sh("busybox timeout 5 busybox wget -q -O - http://[" + v6Iso + "]/")
                  .strip())
          .as("the host reaches even an isolated guest")
          .isEqualTo("hello-iso6");
      // guest -> host over IPv6
      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(InetAddress.getByName(ula + "1"), 0));
        Thread t = Thread.ofVirtual().start(() -> answer(server, "hello-host6"));
        assertThat(wget(host, iso, "http://[" + ula + "1]:" + server.getLocalPort() + "/"))
            .isEqualTo("hello-host6");
        t.join(5000);
      }
      assertThat(wget(host, iso, "http://[" + v6Open + "]/")).doesNotContain("hello");
      assertThat(wget(host, open, "http://[" + v6Iso + "]/")).doesNotContain("hello");
    }
  }

  private static String v6(TestHost host, Subnet subnet, GuestName g) {
    return NetNames.of(host.dirs().root()).ula()
        + Integer.toHexString(Ipv4.parse(ipOf(host, g)).bits() - subnet.network().bits());
  }

  @Test
  void pingWorksWithoutNetRawAndTheHostKeepsItsPingGroupRange() throws Exception {
    java.nio.file.Path hostRange = java.nio.file.Path.of("/proc/sys/net/ipv4/ping_group_range");
    String before = java.nio.file.Files.readAllLines(hostRange).getFirst();
    try (TestHost host = new TestHost()) {
      Subnet subnet = OutsideHost.useOwnSubnet(host, "");
      GuestName g = GuestName.of("pinger");
      host.guests().build(g, "busybox");
      host.guests().set(g, Map.of("net.mode", "bridge"));
      host.installProbe(g, "attack-guest");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(g, "grep", "CapBnd", "/proc/self/status").output())
          .as("NET_RAW (bit 13) stays dropped")
          .matches("(?s)CapBnd:\\s*[0-9a-f]*[0-9a-f&&[^2367abef]][0-9a-f]{3}\\s*");
      // every group of the guest's: all of an unprivileged guest's own 65,536
      assertThat(host.exec(g, "cat", "/proc/sys/net/ipv4/ping_group_range").output().strip())
          .isEqualTo(host.guests().config(g).privileged() ? "0\t2147483647" : "0\t65535");
      // What iputils' ping does without NET_RAW (Debian's busybox ping only tries a raw socket).
      TestHost.Run ping = host.exec(g, "/attack-guest", "icmp-echo", subnet.gateway().toString());
      assertThat(ping.output().strip()).isEqualTo("icmp-echo ok type 0");
      assertThat(host.exec(g, "/attack-guest", "raw-socket").output().strip())
          .isEqualTo("raw-socket fail EPERM");
      // the guest's own namespace got the setting, not the host's
      assertThat(java.nio.file.Files.readAllLines(hostRange).getFirst()).isEqualTo(before);
    }
  }

  @Test
  void nothingIsLeftAfterAKilledMonitorAndGc() throws Exception {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "");
      GuestName g =
          bridged(host, "killed", Map.of("net.publish", "20999:80", "net.rate", "10mbit"));
      long monitor = host.guests().status(g).initPid();
      String state = java.nio.file.Files.readString(host.dirs().runGuest(g).resolve("state.json"));
      long monitorPid =
          Long.parseLong(state.replaceAll("(?s).*\"monitorPid\"\\s*:\\s*(\\d+).*", "$1"));
      assertThat(monitorPid).isNotEqualTo(monitor);
      new ProcessBuilder("kill", "-9", Long.toString(monitorPid)).start().waitFor();
      Thread.sleep(300);
      host.guests().gc();
      assertThat(dev.jvs.testing.LeakAudit.leftovers(host.base(), host.dirs().cgroupParent()))
          .isEmpty();
    }
  }

  @Test
  void badInputIsOneLineAndChangesNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      Subnet subnet = OutsideHost.useOwnSubnet(host, "");
      GuestName g = GuestName.of("bad");
      host.guests().build(g, "busybox");
      for (Map.Entry<String, String> e :
          Map.of(
                  "net.mode",
                  "bridgee",
                  "net.rate",
                  "2gbit",
                  "net.ip",
                  "10.1.2",
                  "net.publish",
                  "80:99999")
              .entrySet()) {
        Map<String, String> keys =
            new java.util.LinkedHashMap<>(Map.of("net.mode", "bridge", "net.ceil", "1gbit"));
        keys.put(e.getKey(), e.getValue());
        assertThatThrownBy(() -> host.guests().set(g, keys))
            .isInstanceOf(JvsException.class)
            .satisfies(x -> assertThat(x.getMessage()).doesNotContain("\n"));
      }
      assertThat(host.guests().config(g).resources()).doesNotContainKey("net.mode");

      // start-time refusals: address outside the subnet, address taken, port in use
      host.guests().set(g, Map.of("net.mode", "bridge", "net.ip", "10.9.9.9"));
      assertStartFails(host, g, "not a guest address in the subnet");
      GuestName other =
          bridged(host, "owner", Map.of("net.ip", subnet.network().plus(7).toString()));
      host.guests().set(g, Map.of("net.ip", subnet.network().plus(7).toString()));
      assertStartFails(host, g, "is taken by guest owner", false);
      host.guests().stop(other, java.time.Duration.ZERO);
      try (ServerSocket busy = new ServerSocket(0)) {
        host.guests()
            .set(
                g,
                Map.of(
                    "net.ip",
                    subnet.network().plus(8).toString(),
                    "net.publish",
                    busy.getLocalPort() + ":80"));
        assertStartFails(host, g, "already in use on the host");
      }
      // the host's subnet: malformed, and overlapping the host's own route
      host.guests().set(g, Map.of("net.publish", "21000:80"));
      OutsideHost.useOwnSubnet(host, "");
      java.nio.file.Files.writeString(
          host.dirs().root().resolve("net.conf"), "subnet = 10.1.2.3/24\n");
      assertStartFails(host, g, "host bits set");
      String eth0 = OutsideHost.sh("ip -o -4 route show dev eth0 scope link").split("\\s+")[0];
      java.nio.file.Files.writeString(
          host.dirs().root().resolve("net.conf"), "subnet = " + eth0 + "\n");
      host.guests().set(g, Map.of("net.ip", Subnet.parse(eth0).network().plus(9).toString()));
      assertStartFails(host, g, "overlaps the host's route");
    }
  }

  private static void assertStartFails(TestHost host, GuestName g, String why) {
    assertStartFails(host, g, why, true);
  }

  private static void assertStartFails(TestHost host, GuestName g, String why, boolean audit) {
    assertThatThrownBy(() -> host.guests().start(g, List.of(), Guests.Attach.DETACHED))
        .isInstanceOf(JvsException.class)
        .satisfies(x -> assertThat(x.getMessage()).contains(why).doesNotContain("\n"));
    if (audit) {
      assertThat(dev.jvs.testing.LeakAudit.leftovers(host.base(), host.dirs().cgroupParent()))
          .isEmpty();
    }
  }

  private static java.net.InetAddress inet6(String text) {
    try {
      return java.net.InetAddress.getByName(text);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
