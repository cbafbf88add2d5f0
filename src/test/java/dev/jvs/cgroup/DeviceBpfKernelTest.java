package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.jvs.kernel.Libc;
import dev.jvs.limits.CgroupLimits;
import dev.jvs.limits.DeviceRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The v2 driver with its eBPF device program, for real: this hybrid host's cgroup2 mount has no
 * controllers, but cgroup BPF, cgroup.procs and cgroup.kill work there all the same.
 */
@Tag("kernel")
class DeviceBpfKernelTest {
  private Path mount;
  private CgroupV2Driver driver;
  private String parent;

  @BeforeEach
  void setUp() {
    mount = CgroupMounts.probe().cgroup2Mount().orElse(null);
    assumeThat(mount).as("needs a cgroup2 mount").isNotNull();
    driver = new CgroupV2Driver(mount);
    parent = KernelCgroups.uniqueParent();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (parent != null && driver != null) {
      KernelCgroups.cleanUpAndAudit(driver, parent);
    }
  }

  @Test
  void theVerifierAcceptsEveryShapeOfProgram() {
    List<List<DeviceRule>> lists =
        List.of(
            List.of(),
            List.of(DeviceRule.chr(1, 3)),
            List.of(new DeviceRule('a', -1, -1, "rwm")),
            List.of(new DeviceRule('a', -1, -1, "m"), DeviceRule.block(8, DeviceRule.ANY)),
            List.of(
                DeviceRule.chr(1, 3),
                new DeviceRule('c', 1, 5, "r"),
                new DeviceRule('c', 136, -1, "rw"),
                new DeviceRule('c', DeviceRule.ANY, DeviceRule.ANY, "m")));
    for (List<DeviceRule> rules : lists) {
      try (Fd prog =
          BpfSyscall.progLoad(
              BpfSyscall.PROG_TYPE_CGROUP_DEVICE,
              BpfSyscall.ATTACH_CGROUP_DEVICE,
              DeviceProgram.assemble(rules),
              "jvs_test")) {
        assertThat(prog.value()).as(rules.toString()).isPositive();
      }
    }
  }

  @Test
  void onlyAllowedDevicesOpen() throws Exception {
    Cgroup cg = driver.create(parent, "dev");
    cg.apply(CgroupLimits.none().withDevices(List.of(DeviceRule.chr(1, 3))));
    assertThat(attachedPrograms(cg)).hasSize(1);

    String script = "cat /dev/null && echo null-ok; head -c1 /dev/zero >/dev/null && echo zero-ok";
    try (GatedProcess p = GatedProcess.start(script)) {
      cg.addProcess(p.pid());
      assertThat(cg.pids()).containsExactly(p.pid());
      p.go();
      assertThat(p.waitFor(Duration.ofSeconds(10))).isTrue();
      assertThat(p.stdout()).isEqualTo("null-ok\n");
      assertThat(p.stderr())
          .contains("/dev/zero")
          .contains(Libc.strerror(dev.jvs.kernel.Errno.EPERM));
    }

    // Re-applying swaps the program (attach the new one, then detach the old).
    cg.apply(CgroupLimits.none().withDevices(List.of(DeviceRule.chr(1, 3), DeviceRule.chr(1, 5))));
    assertThat(attachedPrograms(cg)).hasSize(1);
    try (GatedProcess p = GatedProcess.start(script)) {
      cg.addProcess(p.pid());
      p.go();
      assertThat(p.waitFor(Duration.ofSeconds(10))).isTrue();
      assertThat(p.stdout()).isEqualTo("null-ok\nzero-ok\n");
    }
  }

  @Test
  void cgroupKillEmptiesAndDestroyIsIdempotent() throws Exception {
    Cgroup cg = driver.create(parent, "kill");
    try (GatedProcess p = GatedProcess.start("while :; do sleep 30 & sleep 0.01; done")) {
      cg.addProcess(p.pid());
      p.go();
      Thread.sleep(200);
      assertThat(cg.pids().size()).isGreaterThan(2);
      assertThat(cg.usage().memoryBytes()).as("no memory controller here").isEqualTo(-1);

      cg.killAll(Duration.ofSeconds(5));

      assertThat(cg.pids()).isEmpty();
      assertThat(p.waitFor(Duration.ofSeconds(5))).isTrue();
    }
    cg.destroy();
    cg.destroy();
    assertThat(driver.find(parent, "kill")).isEmpty();
  }

  private static int[] attachedPrograms(Cgroup cg) {
    try (Fd dir = Fd.open(cg.bpfDir().orElseThrow().toString(), Libc.O_RDONLY | Libc.O_DIRECTORY)) {
      return BpfSyscall.progQuery(dir, BpfSyscall.ATTACH_CGROUP_DEVICE, "test");
    }
  }
}
