package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.TestHost;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** host-ip mode, the VServer network context (issue 3, acceptance 2), and host mode. */
@Tag("kernel")
class HostIpKernelTest {

  private static String guestIp(TestHost host) {
    int n = Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 2), 16);
    return "10.213." + n + ".5";
  }

  private static GuestName hostIp(TestHost host, String name, String ip) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    host.guests().set(g, Map.of("net.mode", "host-ip", "net.ip", ip));
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  @Test
  void guestBindsAndConnectsOnlyWithItsOwnAddress() throws Exception {
    try (TestHost host = new TestHost()) {
      String ip = guestIp(host);
      GuestName g = hostIp(host, "vctx", ip);
      // the host's stack: the guest sees the host's links, no veth was made
      String hostNetns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
      long init = host.guests().status(g).initPid();
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/net")).toString())
          .isEqualTo(hostNetns);

      // 0.0.0.0 is narrowed to the guest's address; 127.0.0.1 means the guest's address
      int port =
          30000
              + Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 3), 16) % 20000;
      TestHost.Run any =
          host.exec(
              g,
              "sh",
              "-c",
              "mkdir -p /www && echo hi-vctx > /www/index.html && httpd -p " + port + " -h /www");
      assertThat(any.code()).as(any.output()).isZero();
      String listening = OutsideHost.sh("ss -Htln sport = :" + port);
      assertThat(listening)
          .contains(ip + ":" + port)
          .doesNotContain("0.0.0.0:" + port)
          .doesNotContain("*:" + port);
      assertThat(
              host.exec(
                      g, "timeout", "5", "wget", "-q", "-O", "-", "http://127.0.0.1:" + port + "/")
                  .output())
          .contains("hi-vctx");

      // another of the host's addresses cannot be bound
      String other =
          OutsideHost.sh("ip -o -4 addr show dev eth0")
              .replaceAll("(?s).*inet (\\S+)/.*", "$1")
              .strip();
      TestHost.Run bad =
          host.exec(g, "sh", "-c", "httpd -f -p " + other + ":" + (port + 1) + " -h /www");
      assertThat(bad.code()).isNotZero();
      assertThat(bad.output()).contains("bind: Operation not permitted");

      // an unbound connect leaves with the guest's address as its source
      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(other, 0));
        AtomicReference<String> peer = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> answer(server, peer));
        String body =
            host.exec(
                    g,
                    "timeout",
                    "5",
                    "wget",
                    "-q",
                    "-O",
                    "-",
                    "http://" + other + ":" + server.getLocalPort() + "/")
                .output();
        t.join(5000);
        assertThat(body).contains("hello");
        assertThat(peer.get()).isEqualTo(ip);
      }

      // IPv6 sockets are refused
      assertThat(host.exec(g, "sh", "-c", "httpd -f -p [::1]:" + (port + 2) + " -h /www").code())
          .isNotZero();

      // the hooks sit on the guest's cgroup2 twin, and go with stop
      Path twin = Path.of("/sys/fs/cgroup/unified", host.dirs().cgroupParent(), "vctx");
      assertThat(HostIpNetwork.attachedCount(twin)).isEqualTo(4);
      host.guests().stop(g, java.time.Duration.ZERO);
      assertThat(Links.exists(NetNames.of(host.dirs().root()).hostIpLink())).isFalse();
      assertThat(OutsideHost.sh("ip -o -4 addr show to " + ip + "/32")).isBlank();
    }
  }

  @Test
  void hostModeSharesTheHostStackUnrestricted() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("hostnet");
      host.guests().build(g, "busybox");
      host.guests().set(g, Map.of("net.mode", "host"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      long init = host.guests().status(g).initPid();
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/net")))
          .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
      assertThat(host.exec(g, "ip", "-o", "link").output()).contains("eth0");
    }
  }

  private static void answer(ServerSocket server, AtomicReference<String> peer) {
    try (Socket s = server.accept();
        OutputStream o = s.getOutputStream()) {
      peer.set(s.getInetAddress().getHostAddress());
      s.getInputStream().read(new byte[1024]);
      o.write(
          "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
              .getBytes(StandardCharsets.US_ASCII));
    } catch (java.io.IOException e) {
      // the assertions report it
    }
  }
}
