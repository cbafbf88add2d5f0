package dev.jvs.view;

import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.cgroup.Hierarchies;
import dev.jvs.guest.Guests;
import dev.jvs.guest.RunningGuest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Per-guest and per-process figures for `jvs stat`, `jvs ps` and `jvs top`, from the cgroups. */
public final class GuestViews {
  private final Guests guests;
  private final CgroupDriver cgroups;
  private final Hierarchies hierarchies;

  public GuestViews(Guests guests, CgroupDriver cgroups, Hierarchies hierarchies) {
    this.guests = guests;
    this.cgroups = cgroups;
    this.hierarchies = hierarchies;
  }

  /**
   * Running guests only, like vserver-stat, in name order, without the counters only `jvs top`
   * shows ({@link GuestStat#cpuNanos()} and {@link GuestStat#memoryBytes()} are -1). Guests are
   * read side by side, each from its state file, its cgroup's process list and CPU times and each
   * process's statm: a kernfs or /proc file costs 30-100 µs on the development VM, so the number of
   * files a guest costs is the time of a call with 1000 guests up.
   */
  public List<GuestStat> stats() {
    return stats(false);
  }

  /** As {@link #stats()}, with each guest's total CPU time and memory use (`jvs top`). */
  public List<GuestStat> statsWithUsage() {
    return stats(true);
  }

  private List<GuestStat> stats(boolean withUsage) {
    return guests.running().parallelStream()
        .map(s -> stat(s, withUsage))
        .flatMap(Optional::stream)
        .toList();
  }

  /** One running guest's figures; empty when it stopped meanwhile. */
  private Optional<GuestStat> stat(RunningGuest s, boolean withUsage) {
    Optional<Cgroup> found = cgroup(s);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Cgroup cg = found.get();
    long vsz = 0;
    long rss = 0;
    List<Long> pids = cg.pids();
    for (long pid : pids) {
      Optional<ProcFiles.Sizes> p = ProcFiles.sizes(pid); // statm only: stat shows no command
      vsz += p.map(ProcFiles.Sizes::vszBytes).orElse(0L);
      rss += p.map(ProcFiles.Sizes::rssBytes).orElse(0L);
    }
    Hierarchies.CpuTimes cpu = hierarchies.cpuTimes(s.cgroup());
    return Optional.of(
        new GuestStat(
            s.name(),
            s.initPid(),
            pids.size(),
            vsz,
            rss,
            cpu.userNanos(),
            cpu.systemNanos(),
            withUsage ? cg.cpuNanos() : CgroupUsage.UNKNOWN,
            withUsage ? cg.memoryBytes() : CgroupUsage.UNKNOWN,
            s.uptime()));
  }

  /** Every process of every running guest, by guest then pid. */
  public List<GuestProcess> processes() {
    List<GuestProcess> out = new ArrayList<>();
    for (RunningGuest s : guests.running()) {
      Optional<Cgroup> cg = cgroup(s);
      if (cg.isEmpty()) {
        continue;
      }
      for (long pid : cg.get().pids().stream().sorted().toList()) {
        ProcFiles.read(pid)
            .ifPresent(
                p ->
                    out.add(
                        new GuestProcess(
                            s.name(),
                            pid,
                            p.guestPid(),
                            p.state(),
                            p.rssBytes(),
                            p.cpuTicks(),
                            p.command())));
      }
    }
    return out;
  }

  private Optional<Cgroup> cgroup(RunningGuest s) {
    return cgroups.find(guests.dirs().cgroupParent(), s.name());
  }
}
