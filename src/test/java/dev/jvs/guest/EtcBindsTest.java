package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Op;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EtcBindsTest {
  private final LaunchPlans plans = new LaunchPlans(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  private final LaunchPlans.Layout layout =
      new LaunchPlans.Layout(Path.of("/t/rootfs"), Path.of("/g/disk/upper"),
          Path.of("/g/disk/work"), Path.of("/g/rootfs"), Path.of("/r"), "/dev/loop7",
          Path.of("/g/disk"));

  private LaunchProgram start(String netMode) {
    GuestConfig base = GuestConfig.defaults("web1", "busybox");
    GuestConfig config = new GuestConfig(base.template(), base.init(), base.hostname(),
        base.stopSignal(), base.stopTimeout(), base.capsAdd(), base.capsDrop(),
        Map.of("net.mode", netMode));
    return plans.start(GuestName.of("web1"), config, layout, List.of("/sbin/init"), true);
  }

  private static List<String> lines(LaunchProgram p) {
    return p.ops().stream()
        .map(o -> (o.optional() ? "?" : "") + o.name() + " " + String.join(" ", o.fields()))
        .toList();
  }

  @Test
  void bridgeGuestsGetHostsAndResolvConfBoundAfterPivotRoot() {
    List<String> ops = lines(start("bridge"));
    int pivot = ops.indexOf("pivot-root .");
    assertThat(ops.subList(0, pivot))
        .contains("mkdir dev/.jvs-etc 0700", "mount /r/etc dev/.jvs-etc  0x1000 ")
        .as("nothing is created or mounted in the guest's /etc before its root is its own")
        .noneMatch(l -> l.contains(" etc"));
    assertThat(ops.subList(pivot + 1, ops.size()))
        .containsSubsequence("mkdir etc 0755", "touch etc/hosts 0644",
            "?mount dev/.jvs-etc/hosts etc/hosts  0x1000 ", "touch etc/resolv.conf 0644",
            "?mount dev/.jvs-etc/resolv.conf etc/resolv.conf  0x1000 ",
            "umount dev/.jvs-etc 0x2", "sethostname web1");
  }

  @Test
  void guestsWithoutBridgeGetNoEtcFiles() {
    assertThat(lines(start("none"))).noneMatch(l -> l.contains("etc"));
  }
}
