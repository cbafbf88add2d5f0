package dev.jvs.sched;

import static dev.jvs.sched.SchedTesting.guest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.LxcfsView;
import dev.jvs.testing.TestHost;
import dev.jvs.view.GuestProcess;
import dev.jvs.view.GuestStat;
import dev.jvs.view.GuestViews;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Guest-local views through jvs's own lxcfs (acceptance 8) and the host-side stat/ps data (7). */
@Tag("kernel")
class GuestViewKernelTest {

  @Test
  void insideAGuestFreeNprocAndUptimeTellTheGuestsTruth() throws Exception {
    try (TestHost host = new TestHost()) {
      Lxcfs lxcfs = new Lxcfs(host.dirs().run());
      try {
        assertThat(lxcfs.ensure()).startsWith("lxcfs: serving");
        assertThat(LxcfsView.live(lxcfs.mountPoint())).isTrue();
        GuestName g = guest(host, "viewed", Map.of("memory.rss", "64M", "cpu.cpus", "0"));
        GuestName plain = guest(host, "plain", Map.of());
        assertThat(host.exec(g, "sh", "-c", "grep MemTotal /proc/meminfo").output())
            .matches("MemTotal: +65536 kB\n");
        // busybox free takes total/free from sysinfo(2), which lxcfs cannot change, and
        // "available" from /proc/meminfo, which it does (procps free reads only /proc/meminfo).
        String mem =
            host.exec(g, "free", "-m")
                .output()
                .lines()
                .filter(l -> l.startsWith("Mem:"))
                .findFirst()
                .orElseThrow();
        String[] columns = mem.split("\\s+");
        assertThat(columns[columns.length - 1]).isIn("63", "64");
        assertThat(host.exec(g, "nproc").output()).isEqualTo("1\n");
        assertThat(host.exec(g, "sh", "-c", "grep -c ^processor /proc/cpuinfo").output())
            .isEqualTo("1\n");
        assertThat(host.exec(g, "cat", "/sys/devices/system/cpu/online").output()).isEqualTo("0\n");
        double uptime =
            Double.parseDouble(host.exec(g, "cat", "/proc/uptime").output().split("\\s+")[0]);
        assertThat(uptime).isLessThan(60);
        assertThat(host.exec(g, "cat", "/proc/loadavg").code()).isZero();
        assertThat(host.exec(g, "sh", "-c", "head -1 /proc/stat").output()).startsWith("cpu ");
        // An unlimited guest sees the host's memory.
        String hostTotal =
            java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo")).getFirst();
        assertThat(host.exec(plain, "sh", "-c", "head -1 /proc/meminfo").output().strip())
            .isEqualTo(hostTotal.strip());
        host.guests().stop(g, Duration.ZERO);
        host.guests().stop(plain, Duration.ZERO);
      } finally {
        lxcfs.stop();
      }
      assertThat(LxcfsView.live(lxcfs.mountPoint())).isFalse();
    }
  }

  /**
   * cpu.limit alone (issue 15, item 5): the guest runs on as many CPUs as its limit needs, so nproc
   * (sched_getaffinity), lxcfs's cpuinfo and cpu/online agree with it, in the guest's first process
   * and in an exec; a live `jvs set` of the limit follows. cpu.cpus still wins.
   */
  @Test
  void underACpuLimitNprocCpuinfoAndOnlineShowTheCpusTheLimitNeeds() throws Exception {
    int hostCpus = Runtime.getRuntime().availableProcessors();
    org.junit.jupiter.api.Assumptions.assumeTrue(hostCpus >= 2, "needs two CPUs");
    try (TestHost host = new TestHost()) {
      Lxcfs lxcfs = new Lxcfs(host.dirs().run());
      try {
        assertThat(lxcfs.ensure()).startsWith("lxcfs: serving");
        GuestName one = guest(host, "capped", Map.of("cpu.limit", "100"));
        GuestName two = guest(host, "capped2", Map.of("cpu.limit", "150"));
        GuestName pinned = guest(host, "pinned", Map.of("cpu.limit", "50", "cpu.cpus", "0-1"));
        assertThat(host.exec(one, "nproc").output()).isEqualTo("1\n");
        assertThat(host.exec(one, "sh", "-c", "grep -c ^processor /proc/cpuinfo").output())
            .isEqualTo("1\n");
        assertThat(host.exec(one, "cat", "/sys/devices/system/cpu/online").output())
            .matches("\\d+\n");
        // the guest's first process, not only an exec
        assertThat(host.exec(one, "sh", "-c", "grep Cpus_allowed_list /proc/1/status").output())
            .matches("Cpus_allowed_list:\\s+\\d+\n");
        assertThat(host.exec(two, "nproc").output()).isEqualTo("2\n");
        assertThat(host.exec(two, "sh", "-c", "grep -c ^processor /proc/cpuinfo").output())
            .isEqualTo("2\n");
        assertThat(host.exec(pinned, "nproc").output()).isEqualTo("2\n");
        host.guests().set(two, Map.of("cpu.limit", "80"));
        assertThat(host.exec(two, "nproc").output()).isEqualTo("1\n");
        assertThat(host.exec(two, "sh", "-c", "grep -c ^processor /proc/cpuinfo").output())
            .isEqualTo("1\n");
        host.guests().stop(one, Duration.ZERO);
        host.guests().stop(two, Duration.ZERO);
        host.guests().stop(pinned, Duration.ZERO);
      } finally {
        lxcfs.stop();
      }
    }
  }

  /**
   * procps' free (a Debian guest) reads /proc/meminfo, which lxcfs serves from the guest's cgroup:
   * its total is memory.rss. (busybox's free takes the total from sysinfo(2), see resources.md.)
   */
  @Test
  @org.junit.jupiter.api.Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
  void inADebianGuestFreeShowsMemoryRss() throws Exception {
    try (TestHost host = new TestHost()) {
      Lxcfs lxcfs = new Lxcfs(host.dirs().run());
      try {
        assertThat(lxcfs.ensure()).startsWith("lxcfs: serving");
        dev.jvs.image.Templates templates = new dev.jvs.image.Templates(host.dirs().templates());
        dev.jvs.image.TemplateSources.forHost(templates, System.getenv())
            .build("deb", "debian:bookworm", line -> {});
        GuestName g = GuestName.of("debfree");
        host.guests().build(g, "deb");
        host.guests().set(g, Map.of("memory.rss", "64M"));
        host.guests().start(g, List.of(), dev.jvs.guest.Guests.Attach.DETACHED);
        String mem =
            host.exec(g, "free", "-m")
                .output()
                .lines()
                .filter(l -> l.startsWith("Mem:"))
                .findFirst()
                .orElseThrow();
        assertThat(mem.split("\\s+")[1]).isEqualTo("64");
        String kib =
            host.exec(g, "free", "-k")
                .output()
                .lines()
                .filter(l -> l.startsWith("Mem:"))
                .findFirst()
                .orElseThrow();
        assertThat(kib.split("\\s+")[1]).isEqualTo("65536");
        host.guests().stop(g, Duration.ZERO);
      } finally {
        lxcfs.stop();
      }
    }
  }

  @Test
  void withoutLxcfsGuestsStartAndSeeTheHostFigures() {
    try (TestHost host = new TestHost()) {
      GuestName g = guest(host, "nolxcfs", Map.of("memory.rss", "64M"));
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
      assertThat(host.exec(g, "sh", "-c", "grep MemTotal /proc/meminfo").output())
          .doesNotContain(" 65536 kB");
    }
  }

  @Test
  void statAndPsReportEachGuestsProcessesFromItsCgroup() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName a = guest(host, "alpha", Map.of());
      GuestName b = guest(host, "beta", Map.of());
      host.exec(a, "sh", "-c", "sleep 300 >/dev/null 2>&1 &");
      GuestViews views = new GuestViews(host.guests(), CgroupDriver.detect(), CgroupFiles.probe());
      // The backgrounded child is a forked shell until it execs sleep.
      assertThat(
              SchedTesting.eventually(
                  5000,
                  () -> views.processes().stream().anyMatch(p -> p.command().equals("sleep 300"))))
          .isTrue();
      List<GuestStat> stats = views.stats();
      assertThat(stats).extracting(GuestStat::name).containsExactly("alpha", "beta");
      GuestStat alpha = stats.getFirst();
      assertThat(alpha.ctx()).isEqualTo(host.guests().status(a).initPid());
      assertThat(alpha.processes()).isEqualTo(stats.get(1).processes() + 1);
      assertThat(alpha.rssBytes()).isPositive();
      assertThat(alpha.vszBytes()).isGreaterThanOrEqualTo(alpha.rssBytes());
      // `jvs stat` reads no counter it does not show; `jvs top`'s view has them.
      assertThat(stats).allSatisfy(s -> assertThat(s.cpuNanos()).isEqualTo(-1));
      assertThat(stats).allSatisfy(s -> assertThat(s.memoryBytes()).isEqualTo(-1));
      List<GuestStat> top = views.statsWithUsage();
      assertThat(top).extracting(GuestStat::name).containsExactly("alpha", "beta");
      assertThat(top).allSatisfy(s -> assertThat(s.cpuNanos()).isPositive());
      assertThat(top).allSatisfy(s -> assertThat(s.memoryBytes()).isPositive());
      assertThat(top.getFirst().ctx()).isEqualTo(alpha.ctx());
      assertThat(top.getFirst().processes()).isEqualTo(alpha.processes());
      List<GuestProcess> ps = views.processes();
      assertThat(ps)
          .anySatisfy(
              p -> {
                assertThat(p.guest()).isEqualTo("alpha");
                assertThat(p.command()).isEqualTo("sleep 300");
                assertThat(p.guestPid()).isLessThan(p.pid());
              });
      assertThat(ps)
          .filteredOn(p -> p.guest().equals("beta"))
          .noneMatch(p -> p.command().contains("sleep"));
      assertThat(ps).filteredOn(p -> p.guestPid() == 1).hasSize(2);
      // A stopped guest is not shown; one whose monitor was killed is cleaned up and not shown.
      host.guests().stop(b, Duration.ZERO);
      assertThat(views.stats()).extracting(GuestStat::name).containsExactly("alpha");
      long monitor =
          new dev.jvs.guest.state.StateStore()
              .read(host.dirs().runGuest(a))
              .orElseThrow()
              .monitorPid();
      dev.jvs.kernel.Libc.kill((int) monitor, 9);
      ProcessHandle.of(monitor).ifPresent(h -> h.onExit().join());
      assertThat(views.stats()).isEmpty();
      assertThat(host.dirs().runGuest(a).resolve("state.json")).doesNotExist();
    }
  }
}
