package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.bench.net.HostBinaries;
import dev.jvs.bench.net.Iperf;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, acceptance 3: host-ip networking and HTB shaping for unprivileged guests (bridge mode
 * has UnprivilegedBridgeKernelTest).
 */
@Tag("kernel")
class UnprivilegedNetworkKernelTest {

  private static GuestName unprivileged(TestHost host, String name, Map<String, String> keys) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    host.guests().set(g, Map.of("security.privileged", "false"));
    host.guests().set(g, keys);
    return g;
  }

  @Test
  void aHostIpGuestIsHeldToItsAddressAndSeesTheHostsSysfsReadOnly() throws Exception {
    try (TestHost host = new TestHost()) {
      int n = Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 2), 16);
      String ip = "10.214." + n + ".5";
      GuestName g = unprivileged(host, "uhostip", Map.of("net.mode", "host-ip", "net.ip", ip));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      long init = host.guests().status(g).initPid();
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/net")))
          .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
      assertThat(host.exec(g, "cat", "/proc/self/uid_map").output().strip())
          .startsWith("0")
          .doesNotEndWith("4294967295");
      int port =
          30000
              + Integer.parseInt(NetNames.of(host.dirs().root()).tag().substring(0, 3), 16) % 20000;
      TestHost.Run httpd =
          host.exec(
              g,
              "sh",
              "-c",
              "mkdir -p /www && echo hi-uhostip > /www/index.html && httpd -p "
                  + port
                  + " -h /www");
      assertThat(httpd.code()).as(httpd.output()).isZero();
      assertThat(OutsideHost.sh("ss -Htln sport = :" + port))
          .contains(ip + ":" + port)
          .doesNotContain("0.0.0.0:" + port);
      assertThat(
              host.exec(
                      g, "timeout", "5", "wget", "-q", "-O", "-", "http://127.0.0.1:" + port + "/")
                  .output())
          .contains("hi-uhostip");
      String other =
          OutsideHost.sh("ip -o -4 addr show dev eth0")
              .replaceAll("(?s).*inet (\\S+)/.*", "$1")
              .strip();
      TestHost.Run bad =
          host.exec(g, "sh", "-c", "httpd -f -p " + other + ":" + (port + 1) + " -h /www");
      assertThat(bad.output()).contains("bind: Operation not permitted");
      // the host's sysfs, bound read-only (only the network namespace's owner may mount one)
      assertThat(host.exec(g, "cat", "/sys/class/net/lo/mtu").output()).isEqualTo("65536\n");
      assertThat(host.exec(g, "sh", "-c", "echo 1500 > /sys/class/net/lo/mtu").code()).isNotZero();
      // its mount alone: none of the host's mounts below /sys (its cgroup hierarchies) comes along
      assertThat(host.exec(g, "cat", "/proc/mounts").output())
          .doesNotContain(" /sys/fs/cgroup")
          .contains(" /sys sysfs ro,");
      assertThat(host.exec(g, "ls", "-A", "/sys/fs/cgroup").output()).isBlank();
      Path twin = Path.of("/sys/fs/cgroup/unified", host.dirs().cgroupParent(), "uhostip");
      assertThat(HostIpNetwork.attachedCount(twin)).isEqualTo(4);
      host.guests().stop(g, Duration.ZERO);
      assertThat(OutsideHost.sh("ip -o -4 addr show to " + ip + "/32")).isBlank();
    }
  }

  @Test
  void htbCeilHoldsForAnUnprivilegedBridgeGuest() throws Exception {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "bandwidth = 200mbit\n");
      try (OutsideHost out = new OutsideHost(host)) {
        out.startIperfServer(5201);
        GuestName g =
            unprivileged(
                host,
                "ushaped",
                Map.of("net.mode", "bridge", "net.rate", "10mbit", "net.ceil", "50mbit"));
        HostBinaries.install(host.dirs().guest(g).resolve("upper"), "/usr/bin/iperf3");
        host.guests().start(g, List.of(), Guests.Attach.DETACHED);
        TestHost.Run r = host.exec(g, "iperf3", "-J", "-c", out.address(), "-p", "5201", "-t", "4");
        double mbit = Iperf.parse(r.output()).mbit();
        assertThat(mbit).as("ceil 50mbit").isBetween(50 * 0.7, 50 * 1.1);
        host.guests().stop(g, Duration.ZERO);
      }
    }
  }

  @Test
  void aBridgeGuestOnItsDiskImageEditsItsNetworkFilesAndPingsWithItsGroups() {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "");
      GuestName g =
          unprivileged(host, "unetdisk", Map.of("net.mode", "bridge", "disk.space", "32M"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      // jvs's /etc/hosts, bound from the run directory, is its root's to edit until next start
      assertThat(host.exec(g, "stat", "-c", "%u %g", "/etc/hosts").output()).isEqualTo("0 0\n");
      TestHost.Run edit = host.exec(g, "sh", "-c", "echo 10.9.9.9 extra >> /etc/hosts");
      assertThat(edit.code()).as(edit.output()).isZero();
      assertThat(host.exec(g, "cat", "/etc/hosts").output()).contains("10.9.9.9 extra");
      // ICMP echo sockets for all of its groups, read in its own ids
      assertThat(host.exec(g, "cat", "/proc/sys/net/ipv4/ping_group_range").output().strip())
          .isEqualTo("0\t65535");
      host.guests().stop(g, Duration.ZERO);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(g, "cat", "/etc/hosts").output()).doesNotContain("extra");
      host.guests().stop(g, Duration.ZERO);
    }
  }
}
