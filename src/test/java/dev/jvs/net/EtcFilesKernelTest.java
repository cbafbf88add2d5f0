package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.image.Trees;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A bridge guest's /etc/hosts and /etc/resolv.conf reach the guest wherever its root is: also when
 * its private layer is its own disk image (disk.space), mounted only in its namespace; and nothing
 * is written into the guest's tree from the host.
 */
@Tag("kernel")
class EtcFilesKernelTest {

  private static String ipOf(TestHost host, GuestName g) {
    String out = host.exec(g, "ip", "-o", "-4", "addr", "show", "dev", "eth0").output();
    return out.replaceAll("(?s).*inet (\\S+)/.*", "$1").strip();
  }

  private static void assertSeesJvsFiles(TestHost host, GuestName g) {
    String ip = ipOf(host, g);
    assertThat(ip).matches("10\\.211\\.\\d+\\.\\d+");
    assertThat(host.exec(g, "cat", "/etc/hosts").output())
        .startsWith("# written by jvs")
        .contains(ip + "\t" + g.value());
    assertThat(host.exec(g, "cat", "/etc/resolv.conf").output()).startsWith("# written by jvs");
  }

  @Test
  void aBridgeGuestWithDiskSpaceSeesItsHostsAndResolvConf() {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "");
      GuestName g = GuestName.of("netdisk");
      host.guests().build(g, "busybox");
      host.guests().set(g, Map.of("net.mode", "bridge", "disk.space", "32M"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(host.guests().diskUsage(g)).as("the private layer is the disk image").isPresent();
      assertSeesJvsFiles(host, g);
      // Readable by any user of the guest, and editable until the next start (as in Docker).
      assertThat(host.exec(g, "ls", "-l", "/etc/hosts").output()).startsWith("-rw-r--r--");
      assertThat(host.exec(g, "sh", "-c", "echo 10.9.9.9 extra >> /etc/hosts").code()).isZero();
      assertThat(host.exec(g, "cat", "/etc/hosts").output()).contains("10.9.9.9 extra");
      assertThat(host.exec(g, "ls", "-a", "/dev").output())
          .as("bound from the run directory itself, nothing staged in /dev")
          .doesNotContain(".jvs-etc");
      assertThat(host.dirs().guest(g).resolve("upper/etc"))
          .as("nothing written on the host")
          .doesNotExist();

      host.guests().stop(g, Duration.ZERO);
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertSeesJvsFiles(host, g);
      assertThat(host.exec(g, "cat", "/etc/hosts").output()).doesNotContain("extra");
    }
  }

  @Test
  void aGuestWhoseEtcLinksToAHostPathCannotMakeAStartWriteThere() throws Exception {
    Path trap = Files.createTempDirectory(Path.of("/tmp"), "jvs-etc-trap");
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "");
      GuestName g = GuestName.of("nettrap");
      // The guest plants the link while it has no network files bound (a bridge guest's
      // /etc/hosts is a mount point, so its /etc cannot be moved away while it runs). Privileged:
      // an unprivileged guest's overlay cannot hide a template directory (mv /etc: EIO,
      // docs/security.md), so only a privileged guest can plant this.
      host.guests().build(g, "busybox");
      host.guests().set(g, Map.of("security.privileged", "true"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      // Inside, the same path is the guest's own directory, holding a copy of its /etc.
      TestHost.Run r =
          host.exec(
              g,
              "sh",
              "-c",
              "mkdir -p "
                  + trap
                  + " && cp -a /etc/. "
                  + trap
                  + " && mv /etc /etc.orig && ln -s "
                  + trap
                  + " /etc");
      assertThat(r.code()).as(r.output()).isZero();
      host.guests().stop(g, Duration.ZERO);
      host.guests().set(g, Map.of("net.mode", "bridge"));
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(g, "readlink", "/etc").output().strip()).isEqualTo(trap.toString());
      assertSeesJvsFiles(host, g);
      try (Stream<Path> s = Files.list(trap)) {
        assertThat(s.toList()).as("the host's " + trap).isEmpty();
      }
    } finally {
      Trees.deleteIfExists(trap);
    }
  }
}
