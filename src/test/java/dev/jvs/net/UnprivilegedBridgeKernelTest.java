package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Bridge networking with unprivileged guests (issue 15, acceptance 3). */
@Tag("kernel")
class UnprivilegedBridgeKernelTest {

  private static GuestName bridged(TestHost host, String name) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    host.guests().set(g, Map.of("net.mode", "bridge", "security.privileged", "false"));
    host.installProbe(g, "attack-guest");
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  @Test
  void unprivilegedGuestsTalkOverTheBridgeAndPingWithoutNetRaw() throws Exception {
    try (TestHost host = new TestHost()) {
      Subnet subnet = OutsideHost.useOwnSubnet(host, "");
      GuestName a = bridged(host, "ubra");
      GuestName b = bridged(host, "ubrb");
      long init = host.guests().status(a).initPid();
      assertThat(Files.readString(Path.of("/proc/" + init + "/status")))
          .doesNotContain("Uid:\t0\t");
      String ipA =
          host.exec(a, "ip", "-o", "-4", "addr", "show", "dev", "eth0")
              .output()
              .replaceAll("(?s).*inet (\\S+)/.*", "$1")
              .strip();
      assertThat(subnet.assignable(Ipv4.parse(ipA))).as(ipA).isTrue();
      assertThat(host.exec(a, "ip", "route").output()).contains("default via " + subnet.gateway());
      // the /etc/hosts jvs binds over the guest's is its root's to edit (as in a privileged
      // guest) and only its own copy: the host's file does not change
      String hostsBefore = Files.readString(Path.of("/etc/hosts"));
      assertThat(host.exec(a, "cat", "/etc/hosts").output()).contains(ipA + "\tubra");
      TestHost.Run edited = host.exec(a, "sh", "-c", "echo 10.9.9.9 edited >> /etc/hosts");
      assertThat(edited.code()).as(edited.output()).isZero();
      assertThat(host.exec(a, "cat", "/etc/hosts").output()).contains("10.9.9.9 edited");
      assertThat(Files.readString(Path.of("/etc/hosts"))).isEqualTo(hostsBefore);
      TestHost.Run served =
          host.exec(
              a,
              "sh",
              "-c",
              "mkdir -p /www && echo hello-a > /www/index.html && httpd -p 80 -h /www");
      assertThat(served.code()).as(served.output()).isZero();
      assertThat(
              host.exec(b, "timeout", "5", "wget", "-q", "-O", "-", "http://" + ipA + "/")
                  .output()
                  .strip())
          .isEqualTo("hello-a");
      assertThat(
              host.exec(b, "/attack-guest", "icmp-echo", subnet.gateway().toString())
                  .output()
                  .strip())
          .isEqualTo("icmp-echo ok type 0");
      assertThat(host.exec(b, "/attack-guest", "raw-socket").output().strip())
          .isEqualTo("raw-socket fail EPERM");
    }
  }
}
