package dev.jvs.view;

import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.Hierarchies;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
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
   * Running guests only, like vserver-stat, in name order. Guests are read side by side, as {@link
   * Guests#listWithUsage()} reads them: each is a few small cgroup and /proc files.
   */
  public List<GuestStat> stats() {
    return guests.listWithUsage().parallelStream()
        .map(this::stat)
        .flatMap(Optional::stream)
        .toList();
  }

  /** One running guest's figures; empty when it is not running (or stopped meanwhile). */
  private Optional<GuestStat> stat(GuestStatus s) {
    Optional<Cgroup> cg = running(s);
    if (cg.isEmpty()) {
      return Optional.empty();
    }
    long vsz = 0;
    long rss = 0;
    List<Long> pids = cg.get().pids();
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
            s.usage() == null ? 0 : s.usage().cpuNanos(),
            s.usage() == null ? 0 : s.usage().memoryBytes(),
            s.uptime()));
  }

  /** Every process of every running guest, by guest then pid. */
  public List<GuestProcess> processes() {
    List<GuestProcess> out = new ArrayList<>();
    for (GuestStatus s : guests.list()) {
      Optional<Cgroup> cg = running(s);
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

  private Optional<Cgroup> running(GuestStatus s) {
    if (s.state() != GuestStatus.State.RUNNING) {
      return Optional.empty();
    }
    return cgroups.find(guests.dirs().cgroupParent(), s.name());
  }
}
