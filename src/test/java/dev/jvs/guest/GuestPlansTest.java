package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.config.GuestConfig;
import dev.jvs.kernel.Capability;
import dev.jvs.kernel.Landlock;
import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Op;
import dev.jvs.runtime.MaskDirectory;
import dev.jvs.runtime.Plan;
import dev.jvs.runtime.PlanProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A guest's config as the launch program its plan compiles to, without a kernel. */
class GuestPlansTest {
  private final GuestPlans plans =
      new GuestPlans(
          new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
          null,
          new GuestPlans.SharedQuotas(409_600, 48_000, 96_000));
  private final GuestPlans.Layout layout =
      new GuestPlans.Layout(
          Path.of("/t/rootfs"),
          Path.of("/g/upper"),
          Path.of("/g/work"),
          Path.of("/g/rootfs"),
          Path.of("/r"));

  private static GuestConfig config(Map<String, String> resources) {
    GuestConfig base = GuestConfig.defaults("web1", "busybox");
    return new GuestConfig(
        base.template(),
        base.init(),
        base.hostname(),
        base.stopSignal(),
        base.stopTimeout(),
        base.capsAdd(),
        base.capsDrop(),
        resources);
  }

  /** A guest in {@code mode} (a host-ip guest with its address). */
  private static GuestConfig inNetMode(String mode) {
    return config(
        mode.equals("host-ip")
            ? Map.of("net.mode", mode, "net.ip", "10.9.9.9")
            : Map.of("net.mode", mode));
  }

  private LaunchProgram start(GuestPlans plans, GuestConfig config) {
    return PlanProgram.start(
        plans.start(config, layout, List.of("/sbin/init"), true, GuestPlans.Process.ROOT));
  }

  private LaunchProgram start(Map<String, String> resources) {
    return start(plans, config(resources));
  }

  private static List<String> names(LaunchProgram p) {
    return p.ops().stream().map(Op::name).toList();
  }

  private static List<String> lines(LaunchProgram p) {
    return p.ops().stream()
        .map(o -> (o.optional() ? "?" : "") + o.name() + " " + String.join(" ", o.fields()))
        .toList();
  }

  private static int index(LaunchProgram p, String name) {
    return names(p).indexOf(name);
  }

  @Test
  void startProgramOrdersIsolationBeforeRestriction() {
    LaunchProgram p = start(Map.of());
    List<String> names = names(p);
    assertThat(names.subList(0, 5))
        .containsExactly("status-file", "detach", "log", "exec-socket", "clone");
    assertThat(p.ops().get(2).fields()).containsExactly("/r/console.log", "1048576", "2");
    assertThat(p.ops().get(4).fields()).containsExactly("0x6c020000"); // PID|NS|UTS|IPC|NET
    assertThat(names.subList(5, 7)).containsExactly("pdeathsig", "setsid");
    assertThat(index(p, "unshare")).isGreaterThan(index(p, "clone")); // cgroup ns after placement
    assertThat(index(p, "sethostname")).isLessThan(index(p, "pivot-root"));
    assertThat(index(p, "cap-bounding")).isLessThan(index(p, "capset"));
    assertThat(index(p, "no-new-privs")).isLessThan(index(p, "seccomp"));
    assertThat(names.getLast()).isEqualTo("exec");
    assertThat(names.subList(index(p, "seccomp") + 1, names.size()))
        .allMatch(n -> n.equals("env") || n.equals("arg") || n.equals("exec"));
    Op overlay =
        p.ops().stream().filter(o -> o.fields().contains("overlay")).findFirst().orElseThrow();
    assertThat(overlay.fields().get(4))
        .isEqualTo("lowerdir=/t/rootfs,upperdir=/g/upper,workdir=/g/work");
  }

  @Test
  void everyPathInTheGuestIsResolvedInsideItsRoot() {
    LaunchProgram p = start(Map.of());
    int root = index(p, "root");
    assertThat(p.ops().get(root).fields()).containsExactly("/g/rootfs");
    assertThat(lines(p).subList(0, root)).anyMatch(l -> l.startsWith("mount overlay /g/rootfs"));
    assertThat(p.ops().subList(root + 1, p.ops().size()))
        .filteredOn(
            o ->
                List.of("mkdir", "mknod", "touch", "mount", "umount", "pivot-root")
                        .contains(o.name())
                    && !o.fields().get(o.name().equals("mount") ? 1 : 0).equals("/"))
        .allSatisfy(
            o ->
                assertThat(o.fields().get(o.name().equals("mount") ? 1 : 0)).doesNotStartWith("/"));
    assertThat(lines(p))
        .contains(
            "mount proc proc proc 0xe ",
            "mknod dev/null 020666 1 3",
            "symlink pts/ptmx dev/ptmx",
            "pivot-root .");
  }

  @Test
  void maskedPathsTolerateKernelsWithoutThem() {
    LaunchProgram p = start(Map.of());
    assertThat(p.ops())
        .filteredOn(o -> o.description().contains("/proc/kcore"))
        .singleElement()
        .extracting(Op::optional)
        .isEqualTo(true);
    assertThat(p.ops())
        .filteredOn(o -> o.name().equals("mount") && !o.optional())
        .noneMatch(o -> o.description().contains("sysrq"));
  }

  @Test
  void devShmIsABindOfADirectoryOfDevsTmpfs() {
    List<String> lines = lines(start(Map.of()));
    assertThat(lines).noneMatch(l -> l.contains("dev/shm tmpfs"));
    int mkdir = lines.indexOf("mkdir dev/shm 01777");
    assertThat(mkdir).isPositive();
    assertThat(lines.subList(mkdir + 1, mkdir + 3))
        .containsExactly("mount dev/shm dev/shm  0x1000 ", "mount  dev/shm  0x102e ");
  }

  @Test
  void everyMaskedDirectoryIsAReadOnlyBindOfTheEmptyDirectoryNoTmpfs() {
    List<String> lines = lines(start(Map.of()));
    assertThat(lines).noneMatch(l -> l.contains("size=0"));
    for (String d : GuestPlans.MASKED_DIRS) {
      String r = d.substring(1);
      int bind = lines.indexOf("?mount " + MaskDirectory.PATH + " " + r + "  0x1000 ");
      assertThat(bind).as(d).isPositive();
      // bind, then remount read-only, nosuid, nodev, noexec: both skipped where d is not there
      assertThat(lines.get(bind + 1)).isEqualTo("?mount " + r + " " + r + "  0x102f ");
    }
  }

  @Test
  void bridgeGuestsGetHostsAndResolvConfBoundInsideTheirRoot() {
    List<String> ops = lines(start(Map.of("net.mode", "bridge")));
    assertThat(ops)
        .containsSubsequence(
            "touch etc/hosts 0644",
            "?mount /r/etc/hosts etc/hosts  0x1000 ",
            "touch etc/resolv.conf 0644",
            "?mount /r/etc/resolv.conf etc/resolv.conf  0x1000 ",
            "pivot-root .");
    assertThat(lines(start(Map.of()))).noneMatch(l -> l.contains("etc/"));
  }

  @Test
  void aLiveLxcfsIsBoundOverTheGuestsProcAndSysFiles(@TempDir Path lxcfs) throws Exception {
    Files.createDirectories(lxcfs.resolve("proc"));
    Files.writeString(lxcfs.resolve("proc/meminfo"), "MemTotal: 1 kB\n");
    Files.createDirectories(lxcfs.resolve("sys/devices/system/cpu"));
    GuestPlans withLxcfs = new GuestPlans(new byte[8], lxcfs, GuestPlans.SharedQuotas.NONE);
    List<Op> binds =
        start(withLxcfs, config(Map.of())).ops().stream()
            .filter(op -> op.fields().stream().anyMatch(f -> f.startsWith(lxcfs.toString())))
            .toList();
    assertThat(binds).hasSize(LxcfsView.FILES.size());
    assertThat(binds).allMatch(op -> op.name().equals("mount") && op.optional());
    assertThat(binds)
        .anySatisfy(
            op -> assertThat(op.fields()).contains(lxcfs + "/proc/meminfo", "proc/meminfo"));
    GuestPlans without =
        new GuestPlans(new byte[8], lxcfs.resolve("none"), GuestPlans.SharedQuotas.NONE);
    assertThat(lines(start(without, config(Map.of())))).noneMatch(l -> l.contains("lxcfs"));
  }

  @Test
  void memlockBecomesAnRlimitAndCapabilitiesFollowConfig() {
    GuestConfig base = GuestConfig.defaults("web1", "busybox");
    GuestConfig config =
        new GuestConfig(
            base.template(),
            base.init(),
            base.hostname(),
            base.stopSignal(),
            base.stopTimeout(),
            Set.of(Capability.NET_RAW),
            Set.of(),
            Map.of("memory.memlock", "16M"));
    LaunchProgram p = PlanProgram.exec(plans.exec(config, 42, List.of("ps"), true, "xterm"));
    assertThat(names(p).subList(0, 3)).containsExactly("join", "pty", "clone");
    assertThat(p.ops().getFirst().fields()).containsExactly("42", "0x6e020000");
    assertThat(lines(p)).contains("rlimit 8 16777216 16777216");
    long caps = Long.decode(p.ops().get(index(p, "cap-bounding")).fields().getFirst());
    assertThat(caps & (1L << 13)).isNotZero(); // NET_RAW added
    assertThat(p.ops()).anyMatch(o -> o.fields().contains("TERM=xterm"));
    assertThat(names(PlanProgram.exec(plans.exec(config, 42, List.of("ps"), false, "x"))))
        .contains("stdio-pipes"); // the caller's files stay out of the guest's reach
  }

  @Test
  void anUnprivilegedGuestsStdioPipesAreItsOwnAndGivenAwayBeforeTheJoin() {
    GuestConfig config = config(Map.of());
    IdRange ids = new IdRange(1_065_536, IdRange.SIZE);
    LaunchProgram init =
        PlanProgram.start(
            plans.start(config, layout, List.of("/sbin/init"), true, GuestPlans.Process.ROOT, ids));
    assertThat(lines(init)).contains("pipe-owner 1065536 1065536");
    assertThat(index(init, "pipe-owner")).isGreaterThan(index(init, "log"));
    LaunchProgram app =
        PlanProgram.start(
            plans.start(
                config,
                layout,
                List.of("/app"),
                false,
                new GuestPlans.Process(List.of(), "/", 1000, 100),
                ids));
    assertThat(lines(app)).contains("pipe-owner 1066536 1065636"); // the image's User
    LaunchProgram exec =
        PlanProgram.exec(
            plans.exec(
                config, 42, List.of("ps"), false, "x", true, new Plan.PipeOwner(1_065_536, 7)));
    assertThat(names(exec).subList(0, 3)).containsExactly("stdio-pipes", "pipe-owner", "join");
    assertThat(lines(exec)).contains("pipe-owner 1065536 7");
    // privileged: host root's pipes, as before
    assertThat(names(start(Map.of()))).doesNotContain("pipe-owner");
    assertThat(names(PlanProgram.exec(plans.exec(config, 42, List.of("ps"), false, "x"))))
        .doesNotContain("pipe-owner");
  }

  /**
   * An unprivileged guest in the host's stack gets the host's sysfs alone, cloned by its monitor
   * (in its user namespace the mounts below would be locked to a bind): sent after the template's
   * tree, attached at /sys after the template, then made read-only.
   */
  @Test
  void anUnprivilegedGuestInTheHostsStackGetsTheHostsSysfsAlone() {
    IdRange ids = new IdRange(1_065_536, IdRange.SIZE);
    for (String mode : List.of("host", "host-ip", "bridge", "none")) {
      GuestConfig config = inNetMode(mode);
      LaunchProgram start =
          PlanProgram.start(
              plans.start(
                  config, layout, List.of("/sbin/init"), true, GuestPlans.Process.ROOT, ids));
      List<String> lines = lines(start);
      if (!mode.startsWith("host")) {
        assertThat(lines).as(mode).doesNotContain("bind-tree /sys", "attach-tree sys");
        continue;
      }
      assertThat(names(start))
          .as(mode)
          .containsSubsequence("idmap-tree", "bind-tree", "clone", "attach-tree", "attach-tree");
      int attached = lines.indexOf("attach-tree sys");
      assertThat(lines).as(mode).contains("bind-tree /sys");
      assertThat(attached).as(mode).isGreaterThan(lines.indexOf("attach-tree /t/rootfs"));
      assertThat(lines.get(attached + 1)).as("read-only at once").startsWith("mount  sys ");
      assertThat(lines).noneMatch(l -> l.startsWith("mount /sys sys"));
    }
  }

  @Test
  void guestsStayOffHostRootsAbstractSocketsAndQuotas() {
    for (String mode : List.of("none", "bridge", "host", "host-ip")) {
      GuestConfig config = inNetMode(mode);
      boolean shared = mode.startsWith("host");
      LaunchProgram start = start(plans, config);
      // The monitor enters the domain before it clones; execs are born in it (exec-socket).
      assertThat(names(start).contains("landlock-scope"))
          .as("landlock-scope for %s", mode)
          .isEqualTo(shared && Landlock.scopesAbstractSockets());
      if (names(start).contains("landlock-scope")) {
        assertThat(index(start, "landlock-scope")).isLessThan(index(start, "clone"));
      }
      LaunchProgram exec = PlanProgram.exec(plans.exec(config, 42, List.of("ps"), false, "x"));
      assertThat(names(exec)).doesNotContain("landlock-scope");
      for (LaunchProgram p : List.of(start, exec)) {
        assertThat(lines(p)).contains("rlimit 12 409600 409600", "rlimit 11 48000 48000");
      }
    }
  }

  /**
   * An unprivileged guest's pids.max is its processes' soft RLIMIT_NPROC at start and exec alike,
   * under jvs's own hard limit, set once the process is guest root in its user namespace; a
   * privileged guest gets none (its users count with the host's).
   */
  @Test
  void anUnprivilegedGuestsPidsMaxIsItsSoftProcessLimit() {
    IdRange ids = new IdRange(1_065_536, IdRange.SIZE);
    GuestConfig config = config(Map.of("pids.max", "128"));
    LaunchProgram start =
        PlanProgram.start(
            plans.start(config, layout, List.of("/sbin/init"), true, GuestPlans.Process.ROOT, ids));
    LaunchProgram exec =
        PlanProgram.exec(
            plans.exec(
                config, 42, List.of("ps"), false, "x", true, new Plan.PipeOwner(1_065_536, 7)));
    for (LaunchProgram p : List.of(start, exec)) {
      assertThat(lines(p)).contains("rlimit 6 128 96000");
      // after the user namespace exists, and once guest root (ProcessSpec.Rlimit#afterUser)
      assertThat(lines(p).indexOf("rlimit 6 128 96000"))
          .isGreaterThan(names(p).lastIndexOf("setuid"))
          .isGreaterThan(index(p, "clone"));
    }
    LaunchProgram huge =
        PlanProgram.start(
            plans.start(
                config(Map.of("pids.max", "4194304")),
                layout,
                List.of("/sbin/init"),
                true,
                GuestPlans.Process.ROOT,
                ids));
    assertThat(lines(huge)).contains("rlimit 6 96000 96000");
    assertThat(lines(start(Map.of("pids.max", "128")))).noneMatch(l -> l.startsWith("rlimit 6 "));
    assertThat(lines(PlanProgram.exec(plans.exec(config, 42, List.of("ps"), false, "x"))))
        .noneMatch(l -> l.startsWith("rlimit 6 "));
    assertThat(
            lines(
                PlanProgram.start(
                    plans.start(
                        config(Map.of()),
                        layout,
                        List.of("/sbin/init"),
                        true,
                        GuestPlans.Process.ROOT,
                        ids))))
        .noneMatch(l -> l.startsWith("rlimit 6 "));
  }
}
