package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Op;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.CgroupTuning;
import dev.jvs.limits.DeviceRule;
import dev.jvs.runtime.MountFlags;
import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import dev.jvs.runtime.PlanProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviours the OCI runtime-tools validation suite checks, proven without it (docs/oci.md,
 * "Conformance"): unknown properties, exact cgroup values, top-level cgroup paths, root
 * propagation, createContainer/startContainer hooks and mount namespaces joined or inherited.
 */
class OciConformanceTest {
  private static final long SHARED = 1L << 20;
  private static final long UNBINDABLE = 1L << 17;

  @TempDir Path dir;

  private OciConfig config(String top, String linux) throws Exception {
    Files.createDirectories(dir.resolve("rootfs/bin"));
    Files.writeString(
        dir.resolve("config.json"),
        """
        {"ociVersion": "1.1.0",
         "process": {"args": ["sh"], "cwd": "/", "env": ["PATH=/bin"]},
         "root": {"path": "rootfs"},
         "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}]
         %s,
         "linux": {"namespaces": %s}}
        """
            .formatted(top, linux));
    return OciConfigReader.readBundle(dir);
  }

  private OciConfig config(String top) throws Exception {
    return config(top, "[{\"type\": \"pid\"}, {\"type\": \"mount\"}]");
  }

  private LaunchProgram program(OciConfig c) {
    Plan.Namespaces ns = Namespaces.of(c.linux());
    OciValidator.checkNamespaces(c, ns);
    return PlanProgram.start(
        ContainerPlan.build(
            c,
            ns,
            null,
            new ContainerPlan.Where(
                dir, dir.resolve("rootfs"), dir.resolve("state/exec.fifo"), false, false, null)));
  }

  private static List<String> names(LaunchProgram p) {
    return p.ops().stream().map(Op::name).toList();
  }

  /** The mount operation on "/" with exactly {@code flags}, its index or -1. */
  private static int rootMount(LaunchProgram p, long flags) {
    for (int i = 0; i < p.ops().size(); i++) {
      Op o = p.ops().get(i);
      if (o.name().equals("mount")
          && o.fields().get(1).equals("/")
          && Long.decode(o.fields().get(3)) == flags) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void unknownPropertiesAreIgnoredButKnownUnsupportedOnesAreErrors() throws Exception {
    OciConfig c = config(", \"unknown\": \"x\", \"process2\": {\"a\": 1}");
    assertThat(c.process().args()).containsExactly("sh");
    Files.writeString(
        dir.resolve("config.json"),
        """
        {"ociVersion": "1.1.0", "root": {"path": "rootfs"},
         "linux": {"intelRdt": {"closID": "x"}, "futureField": 1}}
        """);
    assertThatThrownBy(() -> OciConfigReader.readBundle(dir))
        .hasMessage("config.json: unsupported field 'linux.intelRdt' (jvs does not implement it)");
    Files.writeString(
        dir.resolve("config.json"),
        """
        {"ociVersion": "1.1.0", "root": {"path": "rootfs"},
         "mounts": [{"destination": "/a"}, {"destination": "/b", "uidMappings": []}]}
        """);
    assertThatThrownBy(() -> OciConfigReader.readBundle(dir))
        .hasMessageContaining("'mounts.uidMappings'");
    Files.writeString(dir.resolve("process.json"), "{\"args\": [\"sh\"], \"ioPriority\": {}}");
    assertThatThrownBy(() -> OciConfigReader.readProcess(dir.resolve("process.json")))
        .hasMessageContaining("'ioPriority'");
  }

  @Test
  void anAbsoluteCgroupsPathIsRelativeToTheHierarchyRoots() {
    assertThat(Containers.cgroupPath("c1", "/cgrouptest")).containsExactly("", "cgrouptest");
    assertThat(Containers.cgroupPath("c1", "/a/b/c")).containsExactly("a/b", "c");
    assertThat(Containers.cgroupPath("c1", "c2")).containsExactly("jvs-oci", "c2");
    assertThat(Containers.cgroupPath("c1", null)).containsExactly("jvs-oci", "c1");
  }

  @Test
  void cpuAndMemoryKnobsAreKeptExactly() throws Exception {
    OciConfig.Resources res =
        OciConfigReader.mapper()
            .readValue(
                """
        {"cpu": {"shares": 2048, "quota": 200000, "period": 500000, "cpus": "0", "mems": "0"},
         "memory": {"limit": 50593792, "reservation": 50593792, "swap": 50593792,
                    "kernel": 50593792, "kernelTCP": 50593792, "swappiness": 10,
                    "disableOOMKiller": true}}
        """,
                OciConfig.Resources.class);
    CgroupLimits l = Resources.limits(res, null);
    assertThat(l.cpuShares()).isEqualTo(2048);
    assertThat(l.cpuLimitPercent()).isNull(); // no rounding to a percentage of 100 ms
    assertThat(l.cpuCpus()).isEqualTo("0");
    assertThat(l.memoryMax()).isEqualTo(50593792);
    assertThat(l.memorySwapMax()).isZero(); // OCI swap is memory+swap
    CgroupTuning t = Resources.tuning(res);
    assertThat(t.cpuPeriodUs()).isEqualTo(500000);
    assertThat(t.cpuQuotaUs()).isEqualTo(200000);
    assertThat(t.cpuMems()).isEqualTo("0");
    assertThat(t.memoryReservation()).isEqualTo(50593792);
    assertThat(t.memorySwappiness()).isEqualTo(10);
    assertThat(t.oomKillDisable()).isTrue();
    assertThat(t.kernelTcpMemory()).isEqualTo(50593792);
  }

  @Test
  void deviceRulesKeepTheConfigsOrderBeforeTheDefaults() throws Exception {
    OciConfig.Resources res =
        OciConfigReader.mapper()
            .readValue(
                """
        {"devices": [{"allow": false, "access": "rwm"},
                     {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"},
                     {"allow": true, "type": "b", "major": 8, "minor": 20, "access": "rw"}]}
        """,
                OciConfig.Resources.class);
    List<DeviceRule> rules = Resources.limits(res, null).devices();
    assertThat(rules.get(0).toV1Line()).isEqualTo("c 10:229 rwm");
    assertThat(rules.get(1).toV1Line()).isEqualTo("b 8:20 rw");
    assertThat(rules.subList(2, rules.size())).anyMatch(r -> r.toV1Line().equals("c 1:3 rwm"));
  }

  @Test
  void hugepageLimitsNeedAPageSizeTheHostHas() throws Exception {
    OciConfig.Resources bad =
        OciConfigReader.mapper()
            .readValue(
                "{\"hugepageLimits\": [{\"pageSize\": \"3MB\", \"limit\": 314572800}]}",
                OciConfig.Resources.class);
    assertThatThrownBy(() -> Resources.tuning(bad)).hasMessageContaining("3MB");
    OciConfig.Resources silly =
        OciConfigReader.mapper()
            .readValue(
                "{\"hugepageLimits\": [{\"pageSize\": \"2 megs\", \"limit\": 1}]}",
                OciConfig.Resources.class);
    assertThatThrownBy(() -> Resources.tuning(silly)).hasMessageContaining("2 megs");
    if (Files.isDirectory(Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB"))) {
      OciConfig.Resources ok =
          OciConfigReader.mapper()
              .readValue(
                  "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 2147483648}]}",
                  OciConfig.Resources.class);
      assertThat(Resources.tuning(ok).hugepageLimits()).containsEntry("2MB", 2147483648L);
    }
  }

  @Test
  void sharedAndUnbindableRootsAreSetAfterThePivot() throws Exception {
    for (String mode : List.of("shared", "unbindable")) {
      OciConfig c =
          config(
              ", \"x\": 0",
              """
          [{"type": "mount"}], "rootfsPropagation": "%s"
          """
                  .formatted(mode));
      LaunchProgram p = program(c);
      long wanted = (mode.equals("shared") ? SHARED : UNBINDABLE) | MountFlags.REC;
      int before = rootMount(p, MountFlags.SLAVE | MountFlags.REC);
      int after = rootMount(p, wanted);
      int pivot = names(p).indexOf("pivot-root");
      // pivot_root refuses a shared tree and an unbindable one cannot be bind-mounted
      assertThat(before).as(mode).isNotNegative().isLessThan(pivot);
      assertThat(after).as(mode).isGreaterThan(pivot);
    }
    LaunchProgram priv =
        program(
            config(
                ", \"x\": 0",
                """
        [{"type": "mount"}], "rootfsPropagation": "private"
        """));
    assertThat(rootMount(priv, MountFlags.PRIVATE | MountFlags.REC))
        .isLessThan(names(priv).indexOf("pivot-root"));
  }

  @Test
  void createContainerHooksRunBeforeThePivotAndStartContainerHooksAfterTheWait() throws Exception {
    OciConfig c =
        config(
            """
        , "hooks": {"createContainer": [{"path": "/host/hook", "args": ["hook", "cc"],
                                          "env": ["A=1"], "timeout": 5}],
                    "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "true"]}]}
        """);
    LaunchProgram p = program(c);
    List<String> names = names(p);
    int cc = names.indexOf("hook");
    int sc = names.lastIndexOf("hook");
    assertThat(names)
        .containsSubsequence(
            "hook-state", "mount", "hook", "wait-fifo", "pivot-root", "hook", "exec");
    assertThat(p.ops().get(cc).fields()).containsExactly("/host/hook", "5");
    assertThat(p.ops().get(sc).fields()).containsExactly("/bin/sh", "0");
    assertThat(p.ops().get(names.indexOf("hook-state")).fields())
        .containsExactly(dir.resolve("state/hook-state.json").toString());
    // each hook's argv (argv[0] included) and environment come just before it
    assertThat(p.ops().subList(cc - 3, cc))
        .extracting(Op::name)
        .containsExactly("arg", "arg", "env");
    assertThat(p.ops().get(cc - 1).fields()).containsExactly("A=1");
    assertThat(ContainerPlan.needsHookState(c)).isTrue();
    assertThat(ContainerPlan.needsHookState(config(", \"x\": 0"))).isFalse();
  }

  @Test
  void mountNamespacesMayBeJoinedOrInherited() throws Exception {
    LaunchProgram joined =
        program(
            config(
                ", \"x\": 0",
                "[{\"type\": \"pid\"}, {\"type\": \"mount\", \"path\": \"/proc/1/ns/mnt\"}]"));
    List<String> j = names(joined);
    assertThat(j).containsSubsequence("setns", "clone", "pivot-root", "exec");
    assertThat(
            Long.decode(joined.ops().get(j.indexOf("clone")).fields().getFirst())
                & Namespace.MOUNT.flag())
        .isZero();

    LaunchProgram inherited = program(config(", \"x\": 0", "[{\"type\": \"pid\"}]"));
    List<String> h = names(inherited);
    // the host's mount tree: no propagation change on its /, and chroot, never pivot_root
    assertThat(h).contains("chroot").doesNotContain("pivot-root");
    assertThat(inherited.ops())
        .noneMatch(o -> o.name().equals("mount") && o.fields().get(1).equals("/"));
  }
}
