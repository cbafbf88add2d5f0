package dev.jvs.sched;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupException;
import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.cgroup.Hierarchies;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.config.Values;
import dev.jvs.guest.state.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The jvs service (`jvs serve`): every tick it re-weights CPU so reservations hold, enforces
 * memory.anon, and runs the overbooking watchdog. It keeps no state of its own that matters: each
 * tick derives everything from guest.conf, state.json and the cgroups, so a restarted service
 * rebuilds its view, and guests (supervised by their own monitors) never depend on it.
 */
public final class Service implements AutoCloseable {
  private final Guests guests;
  private final CgroupDriver cgroups;
  private final MemoryBudget budget;
  private final Watchdog watchdog;
  private final Consumer<String> log;
  private final AnonLimit anon = new AnonLimit(Hierarchies.probe());
  private final Map<String, Long> applied = new HashMap<>();
  private final Map<String, Ensured> ensured = new HashMap<>();
  private final int hostCpus = Runtime.getRuntime().availableProcessors();
  private volatile boolean stopped;
  private volatile Consumer<Reset> onReset = r -> {};

  public Service(
      Guests guests,
      CgroupDriver cgroups,
      MemoryBudget budget,
      Watchdog watchdog,
      Consumer<String> log) {
    this.guests = guests;
    this.cgroups = cgroups;
    this.budget = budget;
    this.watchdog = watchdog;
    this.log = log;
  }

  /** The weight last found or written in a guest's cgroup during the run with this init. */
  private record Ensured(long initPid, long weight) {}

  /** Tells {@code listener} of every reset the watchdog made (the REST API's event feed). */
  public void onReset(Consumer<Reset> listener) {
    this.onReset = listener;
  }

  /** Ticks until {@link #close()} (or interruption). */
  public void run(Duration tick) {
    log.accept(
        "serving "
            + guests.dirs().root()
            + ": tick "
            + tick.toMillis()
            + " ms, watchdog on "
            + budget.describe()
            + " below "
            + Watchdog.mib(watchdog.thresholdBytes()));
    while (!stopped) {
      try {
        tick();
      } catch (RuntimeException e) {
        // A guest deleted or stopped mid-tick: log and go on; the next tick sees it anew.
        log.accept("tick failed: " + e.getMessage());
      }
      try {
        Thread.sleep(tick);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    stopped = true;
  }

  /**
   * One pass over all running guests. It reads what the scheduler and the watchdog need, their
   * configs and memory in use, and writes a weight only where the cgroup holds another: an idle
   * service with 100 guests spent a tenth of a CPU reading every counter and rewriting every share.
   */
  public void tick() {
    List<GuestStatus> running =
        guests.list().stream().filter(s -> s.state() == GuestStatus.State.RUNNING).toList();
    Groups groups = new Groups();
    Set<String> names = new HashSet<>();
    running.forEach(s -> names.add(s.name()));
    applied.keySet().retainAll(names);
    ensured.keySet().retainAll(names);
    scheduleCpu(running, groups);
    for (GuestStatus s : running) {
      String limit = s.resources().get("memory.anon");
      Cgroup cg = limit == null ? null : groups.get(s.name());
      if (cg != null) {
        anon.enforce(s.name(), cg, Values.size(limit)).ifPresent(log);
      }
    }
    guardMemory(running, groups);
  }

  private void scheduleCpu(List<GuestStatus> running, Groups groups) {
    List<CpuClaim> claims = new ArrayList<>();
    for (GuestStatus s : running) {
      Map<String, String> r = s.resources();
      BitSet cpus = new BitSet();
      String list = r.get("cpu.cpus");
      if (list == null) {
        cpus.set(0, hostCpus);
      } else {
        for (String range : list.split(",")) {
          String[] ends = range.split("-");
          cpus.set(Integer.parseInt(ends[0]), Integer.parseInt(ends[ends.length - 1]) + 1);
        }
      }
      claims.add(
          new CpuClaim(
              s.name(),
              r.containsKey("cpu.share")
                  ? Long.parseLong(r.get("cpu.share"))
                  : CpuClaim.DEFAULT_SHARE,
              r.containsKey("cpu.reserve")
                  ? Values.percent(r.get("cpu.reserve"), 0, Integer.MAX_VALUE)
                  : 0,
              cpus));
    }
    // Checked every tick, not only when the plan changes: `jvs set` and `jvs start` write the
    // plain share, and the next tick must restore the plan. A weight that is the guest's plain
    // share, and that this run of the guest (its init pid) already holds, is what they write too:
    // its read is skipped (with 400 guests up, this read and the watchdog's cost 4 % of a CPU). A
    // restarted guest is checked again: a new cgroup holds the kernel's default (v2: weight 100).
    // Logged only when the plan changes.
    Map<String, CpuClaim> byGuest = new HashMap<>();
    claims.forEach(c -> byGuest.put(c.guest(), c));
    Map<String, Long> initPids = new HashMap<>();
    running.forEach(s -> initPids.put(s.name(), s.initPid()));
    CpuPlanner.weights(claims)
        .forEach(
            (guest, weight) -> {
              CpuClaim c = byGuest.get(guest);
              Ensured now = new Ensured(initPids.get(guest), weight);
              if (weight != c.share() || !now.equals(ensured.get(guest))) {
                Cgroup cg = groups.get(guest);
                if (cg == null) {
                  return; // stopped meanwhile
                }
                try {
                  cg.ensureCpuShares(weight);
                  ensured.put(guest, now);
                } catch (CgroupException e) {
                  return; // stopped meanwhile
                }
              }
              if (!weight.equals(applied.put(guest, weight))) {
                log.accept(
                    String.format(
                        "cpu: %s weight %d (share %d, reserve %d%%, %d guests running)",
                        guest, weight, c.share(), c.reservePercent(), claims.size()));
              }
            });
  }

  private void guardMemory(List<GuestStatus> running, Groups groups) {
    long available = budget.availableBytes();
    if (available >= watchdog.thresholdBytes()) {
      return; // no one to reset: each guest's usage is read only when memory runs low
    }
    List<GuestMemory> memory = new ArrayList<>();
    for (GuestStatus s : running) {
      Cgroup cg = groups.get(s.name());
      long bytes;
      try {
        bytes = cg == null ? CgroupUsage.UNKNOWN : cg.memoryBytes();
      } catch (CgroupException e) {
        continue; // stopped meanwhile
      }
      if (bytes >= 0) {
        memory.add(
            new GuestMemory(s.name(), bytes, "restart".equals(s.resources().get("memory.reset"))));
      }
    }
    Optional<Reset> reset = watchdog.decide(available, budget.totalBytes(), memory);
    if (reset.isEmpty()) {
      return;
    }
    Reset r = reset.get();
    GuestName name = GuestName.of(r.guest());
    boolean application =
        new StateStore()
            .read(guests.dirs().runGuest(name))
            .map(dev.jvs.guest.state.GuestState::application)
            .orElse(false);
    boolean restart = r.restart() && !application;
    log.accept(
        "watchdog: "
            + (restart ? "restarting " : "stopping ")
            + r.guest()
            + ": "
            + r.reason()
            + (r.restart() && application
                ? " (an application guest cannot restart: stopped)"
                : ""));
    try {
      guests.stop(name, Duration.ZERO);
      onReset.accept(new Reset(r.guest(), restart, r.reason()));
      if (restart) {
        guests.start(name, List.of(), Guests.Attach.DETACHED);
      }
    } catch (JvsException e) {
      log.accept("watchdog: " + e.getMessage());
    }
    applied.remove(r.guest());
  }

  private Optional<Cgroup> cgroup(String guest) {
    return cgroups.find(guests.dirs().cgroupParent(), guest);
  }

  /**
   * The running guests' cgroups, each looked up on first use: a tick with every weight settled and
   * memory plentiful needs none (a lookup is a stat a guest).
   */
  private final class Groups {
    private final Map<String, Optional<Cgroup>> found = new HashMap<>();

    /** The guest's cgroup, null when it has none (stopped meanwhile). */
    Cgroup get(String guest) {
      return found.computeIfAbsent(guest, Service.this::cgroup).orElse(null);
    }
  }
}
