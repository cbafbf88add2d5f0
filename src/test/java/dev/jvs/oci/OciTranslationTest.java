package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.launch.LaunchProgram;
import dev.jvs.launch.Op;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.runtime.MountFlags;
import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import dev.jvs.runtime.PlanProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json → launch program, limits and profiles, without a kernel. */
class OciTranslationTest {
  @TempDir Path dir;

  private OciConfig config(String linuxExtra, String processExtra) throws Exception {
    Files.createDirectories(dir.resolve("rootfs/bin"));
    Files.writeString(
        dir.resolve("config.json"),
        """
        {"ociVersion": "1.2.0",
         "process": {"args": ["sh"], "cwd": "/", "env": ["PATH=/bin"] %s},
         "root": {"path": "rootfs"},
         "hostname": "h",
         "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
         "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                                  {"type": "cgroup"}, {"type": "network", "path": "/proc/1/ns/net"}]
                   %s}}
        """
            .formatted(processExtra, linuxExtra));
    return OciConfigReader.readBundle(dir);
  }

  private LaunchProgram program(OciConfig c) {
    Plan.Namespaces ns = Namespaces.of(c.linux());
    return PlanProgram.start(
        ContainerPlan.build(
            c,
            ns,
            Seccomp.compile(c.linux().seccomp()),
            new ContainerPlan.Where(
                dir, dir.resolve("rootfs"), dir.resolve("fifo"), false, false, null)));
  }

  private static List<String> names(LaunchProgram p) {
    return p.ops().stream().map(Op::name).toList();
  }

  @Test
  void createsWaitsBeforePivotAndJoinsByPath() throws Exception {
    LaunchProgram p = program(config("", ""));
    List<String> names = names(p);
    assertThat(names.getFirst()).isEqualTo("release");
    assertThat(names)
        .containsSubsequence(
            "setns", "clone", "unshare", "mount", "sethostname", "wait-fifo", "pivot-root", "exec");
    Op setns = p.ops().get(names.indexOf("setns"));
    assertThat(setns.fields())
        .containsExactly("/proc/1/ns/net", "0x" + Long.toHexString(Namespace.NET.flag()));
    Op clone = p.ops().get(names.indexOf("clone"));
    long flags = Long.decode(clone.fields().getFirst());
    // cgroup: unshared after placement
    assertThat(flags)
        .isEqualTo(Namespace.PID.flag() | Namespace.MOUNT.flag() | Namespace.UTS.flag());
    assertThat(p.ops().get(names.indexOf("wait-fifo")).fields())
        .containsExactly(dir.resolve("fifo").toString());
  }

  @Test
  void unknownFieldsAndNamespacesAreErrors() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"ociVersion\": \"1.0.0\", \"vm\": {}}");
    assertThatThrownBy(() -> OciConfigReader.readBundle(dir))
        .hasMessageContaining("unsupported field 'vm'");
    assertThatThrownBy(() -> Namespaces.of(List.of(new OciConfig.Namespace("time", null))))
        .hasMessageContaining("not supported");
    assertThatThrownBy(
            () ->
                Namespaces.of(
                    List.of(
                        new OciConfig.Namespace("pid", null),
                        new OciConfig.Namespace("pid", null))))
        .hasMessageContaining("duplicated");
  }

  @Test
  void mountOptionsSplitIntoFlagsPropagationAndData() {
    MountOptions o = MountOptions.parse(List.of("rbind", "ro", "nosuid", "rslave", "mode=755"));
    assertThat(o.bind()).isTrue();
    assertThat(o.flags() & MountFlags.REC).isNotZero();
    assertThat(o.remountFlags()).isEqualTo(MountFlags.RDONLY | MountFlags.NOSUID);
    assertThat(o.propagation()).isEqualTo(MountFlags.SLAVE | MountFlags.REC);
    assertThat(o.data()).isEqualTo("mode=755");
    assertThatThrownBy(() -> MountOptions.parse(List.of("idmap"))).hasMessageContaining("idmap");
  }

  @Test
  void symlinksResolveInsideTheRootfs() throws Exception {
    Path rootfs = Files.createDirectories(dir.resolve("r"));
    Files.createDirectories(rootfs.resolve("run"));
    Files.createDirectories(rootfs.resolve("var"));
    Files.createSymbolicLink(rootfs.resolve("var/run"), Path.of("/run"));
    Files.createSymbolicLink(rootfs.resolve("escape"), Path.of("../../../etc"));
    RootfsPath p = RootfsPath.resolve(rootfs, "/var/run/x");
    assertThat(p.host()).isEqualTo(rootfs.resolve("run/x"));
    assertThat(p.missing()).containsExactly(rootfs.resolve("run/x"));
    assertThat(RootfsPath.resolve(rootfs, "/escape/passwd").host())
        .isEqualTo(rootfs.resolve("etc/passwd"));
  }

  @Test
  void resourcesMapOntoCgroupLimits() throws Exception {
    OciConfig c =
        config(
            """
        , "resources": {"memory": {"limit": 1048576, "swap": 2097152},
                        "cpu": {"shares": 512, "quota": 150000, "period": 100000, "cpus": "0"},
                        "pids": {"limit": 64}, "blockIO": {"weight": 500},
                        "devices": [{"allow": false, "access": "rwm"},
                                    {"allow": true, "type": "c", "major": 10, "minor": 200,
                                     "access": "rw"}]}
        """,
            "");
    CgroupLimits l = Resources.limits(c.linux().resources(), c.linux().devices());
    assertThat(l.memoryMax()).isEqualTo(1048576);
    assertThat(l.memorySwapMax()).isEqualTo(1048576);
    assertThat(l.cpuShares()).isEqualTo(512);
    assertThat(l.cpuLimitPercent()).isNull(); // quota and period: Resources.tuning, exactly
    assertThat(Resources.tuning(c.linux().resources()).cpuQuotaUs()).isEqualTo(150000);
    assertThat(l.cpuCpus()).isEqualTo("0");
    assertThat(l.pidsMax()).isEqualTo(64);
    assertThat(l.ioWeight()).isBetween(4900, 5000);
    assertThat(l.devices()).anyMatch(d -> d.major() == 10 && d.minor() == 200);
    OciConfig bad = config(", \"resources\": {\"cpu\": {\"realtimeRuntime\": 1}}", "");
    assertThatThrownBy(() -> Resources.limits(bad.linux().resources(), null))
        .hasMessageContaining("cpu.realtimeRuntime is not supported");
  }

  @Test
  void seccompAndCapabilitiesTranslate() throws Exception {
    OciConfig c =
        config(
            """
        , "seccomp": {"defaultAction": "SCMP_ACT_ERRNO",
                      "syscalls": [{"names": ["read", "no_such_call"], "action": "SCMP_ACT_ALLOW"}]}
        """,
            """
        , "noNewPrivileges": true,
          "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
                           "permitted": ["CAP_KILL"]}
        """);
    List<String> names = names(program(c));
    assertThat(names)
        .containsSubsequence("cap-bounding", "no-new-privs", "setuid", "capset", "seccomp", "exec");
    OciConfig bad =
        config(
            "",
            """
        , "capabilities": {"bounding": ["CAP_NOPE"]}
        """);
    assertThatThrownBy(() -> ProcessPlan.validate(bad.process()))
        .hasMessageContaining("unknown capability \"CAP_NOPE\"");
  }
}
