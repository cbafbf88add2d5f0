package dev.jvs.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CgroupMountsTest {
  /** This development host: v1 controllers, a named systemd hierarchy, an empty cgroup2. */
  static final String HYBRID =
      """
      22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
      34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
      35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
      37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
      38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
      39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
      40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
      41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
      """;

  /** A systemd host in unified mode. */
  static final String UNIFIED =
      """
      24 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
      30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
      """;

  /** Older systemd: co-mounted cpu,cpuacct and a path with an escaped space. */
  static final String COMOUNTED =
      """
      28 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 master:3 - cgroup cgroup rw,cpu,cpuacct
      29 25 0:25 / /sys/fs/cgroup/my\\040memory rw shared:10 - cgroup cgroup rw,memory
      30 25 0:26 / /sys/fs/cgroup/net_cls rw shared:11 - cgroup cgroup rw,net_cls,net_prio
      """;

  @Test
  void hybridHostIsV1AndKeepsTheCgroup2Mount() {
    CgroupMounts m = CgroupMounts.fromMountinfo(HYBRID);

    assertThat(m.v1()).hasSize(8).containsEntry("memory", Path.of("/sys/fs/cgroup/memory"));
    assertThat(m.cgroup2Mount()).contains(Path.of("/sys/fs/cgroup/unified"));
    CgroupDriver d = CgroupDriver.detect(m);
    assertThat(d).isInstanceOf(CgroupV1Driver.class);
    assertThat(d.kind()).isEqualTo("v1");
    assertThat(((CgroupV1Driver) d).cgroup2Mount()).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(d.describe()).contains("hybrid").contains("memory at /sys/fs/cgroup/memory");
  }

  @Test
  void unifiedHostIsV2() {
    CgroupDriver d = CgroupDriver.detect(CgroupMounts.fromMountinfo(UNIFIED));

    assertThat(d).isInstanceOf(CgroupV2Driver.class);
    assertThat(((CgroupV2Driver) d).root()).isEqualTo(Path.of("/sys/fs/cgroup"));
  }

  @Test
  void coMountedControllersShareOneHierarchy() {
    CgroupMounts m = CgroupMounts.fromMountinfo(COMOUNTED);

    assertThat(m.v1().keySet()).containsExactlyInAnyOrder("cpu", "cpuacct", "memory");
    assertThat(m.hierarchies())
        .extracting(V1Hierarchy::toString)
        .containsExactly(
            "cpu,cpuacct at /sys/fs/cgroup/cpu,cpuacct", "memory at /sys/fs/cgroup/my memory");
    assertThat(m.cgroup2Mount()).isEmpty();
  }

  @Test
  void noCgroupsAtAllIsAnError() {
    assertThatThrownBy(
            () ->
                CgroupDriver.detect(CgroupMounts.fromMountinfo("1 0 8:1 / / rw - ext4 /dev/x rw")))
        .isInstanceOf(CgroupException.class)
        .hasMessage("no cgroup hierarchy is mounted");
  }

  @Test
  void unescapesOctal() {
    assertThat(Mountinfo.unescape("a\\040b\\011c\\134d\\012")).isEqualTo("a b\tc\\d\n");
    assertThat(Mountinfo.unescape("trailing\\04")).isEqualTo("trailing\\04");
  }
}
