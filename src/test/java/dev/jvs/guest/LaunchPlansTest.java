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
  private final LaunchPlans plans = new LaunchPlans(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, null,
      new LaunchPlans.SharedQuotas(409_600, 48_000));
  private final LaunchPlans.Layout layout =
      new LaunchPlans.Layout(Path.of("/t/rootfs"), Path.of("/g/upper"), Path.of("/g/work"),
          Path.of("/g/rootfs"), Path.of("/r"));

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
    assertThat(names.subList(0, 5))
        .containsExactly("status-file", "detach", "log", "exec-socket", "clone");
    assertThat(p.ops().get(2).fields()).containsExactly("/r/console.log", "1048576", "2");
    assertThat(p.ops().get(4).fields()).containsExactly("0x6c020000"); // PID|NS|UTS|IPC|NET
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
  void everyPathInTheGuestIsResolvedInsideItsRoot() {
    LaunchProgram p = plans.start(GuestName.of("web1"), GuestConfig.defaults("web1", "busybox"),
        layout, List.of("/sbin/init"), true);
    int root = index(p, "root");
    assertThat(p.ops().get(root).fields()).containsExactly("/g/rootfs");
    assertThat(root).isGreaterThan(names(p).indexOf("mount") + 1); // after the overlay
    assertThat(p.ops().subList(root + 1, p.ops().size()))
        .filteredOn(o -> List.of("mkdir", "mknod", "touch", "mount", "umount", "chdir",
            "pivot-root").contains(o.name()))
        .allSatisfy(o -> assertThat(target(o)).doesNotStartWith("/"));
  }

  /** The path in the guest an operation acts on (a mount's target, not its host source). */
  private static String target(Op o) {
    return o.name().equals("mount") ? o.fields().get(1) : o.fields().getFirst();
  }

  @Test
  void guestsStayOffHostRootsAbstractSocketsAndQuotas() {
    GuestConfig base = GuestConfig.defaults("web1", "busybox");
    for (String mode : List.of("none", "bridge", "host", "host-ip")) {
      GuestConfig config = new GuestConfig(base.template(), base.init(), base.hostname(),
          base.stopSignal(), base.stopTimeout(), base.capsAdd(), base.capsDrop(),
          mode.equals("host-ip") ? Map.of("net.mode", mode, "net.ip", "10.9.9.9")
              : Map.of("net.mode", mode));
      boolean shared = mode.startsWith("host");
      LaunchProgram start =
          plans.start(GuestName.of("web1"), config, layout, List.of("/sbin/init"), true);
      // The monitor enters the domain before it clones; execs are born in it (exec-socket).
      assertThat(names(start).contains("landlock-scope"))
          .as("landlock-scope for %s", mode)
          .isEqualTo(shared && dev.jvs.kernel.Landlock.scopesAbstractSockets());
      if (names(start).contains("landlock-scope")) {
        assertThat(index(start, "landlock-scope")).isLessThan(index(start, "clone"));
      }
      LaunchProgram exec = plans.exec(GuestName.of("web1"), config, 42, List.of("ps"), false, "x");
      assertThat(names(exec)).doesNotContain("landlock-scope");
      for (LaunchProgram p : List.of(start, exec)) {
        assertThat(p.ops()).anyMatch(o -> o.name().equals("rlimit")
            && o.fields().equals(List.of("12", "409600", "409600")));
        assertThat(p.ops()).anyMatch(o -> o.name().equals("rlimit")
            && o.fields().equals(List.of("11", "48000", "48000")));
      }
    }
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
