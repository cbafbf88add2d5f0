package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.Cgroup;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.guest.state.GuestState;
import dev.jvs.guest.state.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** Host memory per idle guest: N busybox system guests started through the in-process API. */
public final class MemoryBench {
  /** Long enough for busybox init to run rcS and settle into waiting. */
  private static final Duration IDLE_WAIT = Duration.ofSeconds(2);

  /** VServer's mode: guest root is host root, no user namespace or idmapped mounts. */
  static final Map<String, String> PRIVILEGED = Map.of("security.privileged", "true");

  private final BenchHost host;
  private final Consumer<String> progress;

  public MemoryBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  public MemoryReport run(int count) throws InterruptedException {
    return run(count, false, () -> {}, names -> {});
  }

  /**
   * As {@link #run(int)}, with privileged guests if asked, calling {@code beforeStart} once all
   * guests are built and none runs, and {@code whileUp} once all run and the memory figures are
   * taken, before they are deleted.
   */
  public MemoryReport run(
      int count, boolean privileged, Runnable beforeStart, Consumer<List<GuestName>> whileUp)
      throws InterruptedException {
    Guests guests = host.guests();
    List<GuestName> names = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      names.add(GuestName.of(String.format("mem%03d", i)));
    }
    progress.accept("building " + count + " busybox guests");
    for (GuestName name : names) {
      host.checkOpen();
      guests.build(name, "busybox");
      if (privileged) {
        guests.set(name, PRIVILEGED);
      }
    }
    try {
      beforeStart.run();
      ProcMemory.Meminfo before = ProcMemory.settled();
      progress.accept("starting " + count + " system guests");
      long t0 = System.nanoTime();
      for (GuestName name : names) {
        host.checkOpen();
        guests.start(name, List.of(), Guests.Attach.DETACHED);
      }
      Duration startAll = Duration.ofNanos(System.nanoTime() - t0);
      Thread.sleep(IDLE_WAIT);
      ProcMemory.Meminfo after = ProcMemory.settled();
      long monitorPss = 0;
      long guestPss = 0;
      int processes = 0;
      StateStore store = new StateStore();
      for (GuestName name : names) {
        GuestState state =
            store
                .read(host.dirs().runGuest(name))
                .orElseThrow(
                    () -> new JvsException(name + ": stopped while idle (see its console.log)"));
        monitorPss += ProcMemory.pss(state.monitorPid());
        for (long pid : cgroupPids(name, state.monitorPid())) {
          guestPss += ProcMemory.pss(pid);
          processes++;
        }
      }
      whileUp.accept(names);
      return new MemoryReport(
          count,
          before.available(),
          after.available(),
          after.kernel() - before.kernel(),
          monitorPss,
          guestPss,
          processes,
          startAll);
    } finally {
      progress.accept("stopping and deleting " + count + " guests");
      for (GuestName name : names) {
        guests.delete(name, true);
      }
    }
  }

  /** The processes in a guest's cgroup; the monitor is not placed there, never count it twice. */
  private Set<Long> cgroupPids(GuestName name, long monitorPid) {
    Set<Long> pids =
        new LinkedHashSet<>(
            host.cgroups()
                .find(host.dirs().cgroupParent(), name.value())
                .map(Cgroup::pids)
                .orElse(List.of()));
    pids.remove(monitorPid);
    return pids;
  }
}
