package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Op;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchPlansTest {
  private final LaunchPlans plans = new LaunchPlans(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  private final LaunchPlans.Layout layout =
      new LaunchPlans.Layout(Path.of("/t/rootfs"), Path.of("/g/upper"), Path.of("/g/work"),
          Path.of("/g/rootfs"), Path.of("/r/exit"));

  private static List<String> names(LaunchProgram p) {
    return p.ops().stream().map(Op::name).toList();
  }

  private static int index(LaunchProgram p, String name) {
    return names(p).indexOf(name);
  }

  @Test
  void startProgramOrdersIsolationBeforeRestriction() {
    GuestConfig config = GuestConfig.defaults("web1", "busybox");
    LaunchProgram p = plans.start(GuestName.of("web1"), config, layout, List.of("/sbin/init"), true);
    List<String> names = names(p);
    assertThat(names.subList(0, 3)).containsExactly("status-file", "detach", "clone");
    assertThat(p.ops().get(2).fields()).containsExactly("0x6c020000"); // PID|NS|UTS|IPC|NET
    assertThat(index(p, "pivot-root")).isLessThan(index(p, "sethostname"));
    assertThat(index(p, "unshare")).isGreaterThan(index(p, "pivot-root")); // cgroup ns after placement
    assertThat(index(p, "cap-bounding")).isLessThan(index(p, "capset"));
    assertThat(index(p, "no-new-privs")).isLessThan(index(p, "seccomp"));
    assertThat(names.getLast()).isEqualTo("exec");
    assertThat(names.subList(index(p, "seccomp") + 1, names.size()))
        .allMatch(n -> n.equals("env") || n.equals("arg") || n.equals("exec"));
    Op overlay = p.ops().stream().filter(o -> o.fields().contains("overlay")).findFirst().orElseThrow();
    assertThat(overlay.fields().get(4)).isEqualTo("lowerdir=/t/rootfs,upperdir=/g/upper,workdir=/g/work");
  }

  @Test
  void maskedPathsTolerateKernelsWithoutThem() {
    LaunchProgram p = plans.start(GuestName.of("web1"), GuestConfig.defaults("web1", "busybox"),
        layout, List.of("/sbin/init"), true);
    assertThat(p.ops()).filteredOn(o -> o.description().contains("/proc/kcore"))
        .singleElement().extracting(Op::optional).isEqualTo(true);
    assertThat(p.ops()).filteredOn(o -> o.name().equals("mount") && !o.optional())
        .noneMatch(o -> o.description().contains("sysrq"));
  }

  @Test
  void memlockBecomesAnRlimitAndCapabilitiesFollowConfig() {
    GuestConfig base = GuestConfig.defaults("web1", "busybox");
    GuestConfig config = new GuestConfig(base.template(), base.init(), base.hostname(),
        base.stopSignal(), base.stopTimeout(), java.util.Set.of(dev.jvs.kernel.Capability.NET_RAW),
        java.util.Set.of(), Map.of("memory.memlock", "16M"));
    LaunchProgram p = plans.exec(GuestName.of("web1"), config, 42, List.of("ps"), true, "xterm");
    assertThat(names(p).subList(0, 3)).containsExactly("join", "pty", "clone");
    assertThat(p.ops().getFirst().fields()).containsExactly("42", "0x6e020000");
    Op rlimit = p.ops().get(index(p, "rlimit"));
    assertThat(rlimit.fields()).containsExactly("8", "16777216", "16777216");
    long caps = Long.decode(p.ops().get(index(p, "cap-bounding")).fields().getFirst());
    assertThat(caps & (1L << 13)).isNotZero(); // NET_RAW added
    assertThat(p.ops()).anyMatch(o -> o.fields().contains("TERM=xterm"));
  }
}
