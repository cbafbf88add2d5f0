package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.guest.GuestName;
import dev.jvs.testing.Cli;
import dev.jvs.testing.LeakAudit;
import dev.jvs.testing.TestHost;
import java.net.ServerSocket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Networking through the packaged CLI: bad input is one line with a non-zero exit and changes
 * nothing; `kill -9` of a bridge guest's monitor plus `jvs gc` leaves nothing (issue 3, 5 and 6).
 */
@Tag("kernel")
class NetCliIT {

  private static void assertOneLineError(Cli.Result r, String why) {
    assertThat(r.code()).isNotZero();
    assertThat(r.err().strip()).startsWith("jvs: ").contains(why).doesNotContain("\n");
  }

  @Test
  void badInputIsOneLineAndChangesNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      Cli cli = new Cli(host);
      assertThat(cli.run("build", "web1").code()).isZero();
      String before =
          java.nio.file.Files.readString(
              host.dirs().guest(GuestName.of("web1")).resolve("guest.conf"));
      assertOneLineError(cli.run("set", "web1", "net.mode=warp"), "unknown mode 'warp'");
      assertOneLineError(
          cli.run("set", "web1", "net.mode=bridge", "net.rate=200mbit", "net.ceil=100mbit"),
          "net.rate 200mbit is above net.ceil 100mbit");
      assertOneLineError(
          cli.run("set", "web1", "net.mode=bridge", "net.ip=10.77.300.1"), "malformed address");
      assertOneLineError(cli.run("set", "web1", "net.mode=host-ip"), "needs net.ip");
      assertThat(
              java.nio.file.Files.readString(
                  host.dirs().guest(GuestName.of("web1")).resolve("guest.conf")))
          .isEqualTo(before);

      Subnet subnet = OutsideHost.useOwnSubnet(host, "");
      try (ServerSocket busy = new ServerSocket(0)) {
        assertThat(
                cli.run(
                        "set",
                        "web1",
                        "net.mode=bridge",
                        "net.publish=" + busy.getLocalPort() + ":80")
                    .code())
            .isZero();
        assertOneLineError(cli.run("start", "web1"), "already in use on the host");
      }
      assertThat(LeakAudit.leftovers(host.base(), host.dirs().cgroupParent())).isEmpty();
      java.nio.file.Files.writeString(
          host.dirs().root().resolve("net.conf"), "subnet = 10.0.0.0/33\n");
      assertOneLineError(cli.run("start", "web1"), "malformed subnet");
      assertThat(LeakAudit.leftovers(host.base(), host.dirs().cgroupParent())).isEmpty();
      assertThat(subnet).isNotNull();
    }
  }

  @Test
  void killedMonitorPlusGcLeavesNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      Cli cli = new Cli(host);
      OutsideHost.useOwnSubnet(host, "");
      assertThat(cli.run("build", "web1").code()).isZero();
      assertThat(
              cli.run(
                      "set",
                      "web1",
                      "net.mode=bridge",
                      "net.publish=21999:80",
                      "net.rate=10mbit",
                      "net.isolate=true")
                  .code())
          .isZero();
      Cli.Result start = cli.run("start", "web1");
      assertThat(start.code()).as(start.err()).isZero();
      long monitor =
          new ObjectMapper()
              .readTree(host.dirs().runGuest(GuestName.of("web1")).resolve("state.json").toFile())
              .get("monitorPid")
              .asLong();
      new ProcessBuilder("kill", "-9", Long.toString(monitor)).start().waitFor();
      Thread.sleep(300);
      assertThat(cli.run("gc").code()).isZero();
      assertThat(LeakAudit.leftovers(host.base(), host.dirs().cgroupParent())).isEmpty();
    }
  }
}
