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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** Host memory per idle guest: N busybox system guests started through the in-process API. */
public final class MemoryBench {
  /** Long enough for busybox init to run rcS and settle into waiting. */
  private static final Duration IDLE_WAIT = Duration.ofSeconds(2);

  /** At most this long for the host's free memory to stop moving before the first snapshot. */
  private static final Duration STEADY_WAIT = Duration.ofSeconds(20);

  /** VServer's mode: guest root is host root, no user namespace or idmapped mounts. */
  static final Map<String, String> PRIVILEGED = Map.of("security.privileged", "true");

  private final BenchHost host;
  private final Consumer<String> progress;

  public MemoryBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  /**
   * How the guests are made and started.
   *
   * @param privileged security.privileged guests instead of the default unprivileged ones
   * @param parallel how many starts run at once (1: one after another)
   */
  public record Options(boolean privileged, int parallel) {
    /**
     * Unprivileged guests, one start per CPU at once: a start's process waits on its child's
     * namespace and mount work, which a second start overlaps (docs/evaluation.md, "Start rate").
     */
    public static final Options DEFAULT = new Options(false, oneStartPerCpu());

    public static int oneStartPerCpu() {
      return Runtime.getRuntime().availableProcessors();
    }

    public Options {
      if (parallel < 1) {
        throw new IllegalArgumentException("--parallel must be at least 1");
      }
    }
  }

  public MemoryReport run(int count) throws InterruptedException {
    return run(count, Options.DEFAULT, () -> {}, names -> {});
  }

  /**
   * As {@link #run(int)}, with privileged guests if asked, calling {@code beforeStart} once all
   * guests are built and none runs, and {@code whileUp} once all run and the memory figures are
   * taken, before they are deleted.
   */
  public MemoryReport run(
      int count, Options options, Runnable beforeStart, Consumer<List<GuestName>> whileUp)
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
      if (options.privileged()) {
        guests.set(name, PRIVILEGED);
      }
    }
    try {
      beforeStart.run();
      ProcMemory.Own ownBefore = ProcMemory.Own.collected();
      Duration waited = ProcMemory.awaitSteady(STEADY_WAIT);
      progress.accept(
          String.format(
              "host memory steady after %.0f s%s",
              waited.toMillis() / 1000.0,
              waited.compareTo(STEADY_WAIT) >= 0
                  ? " (still moving: the figures are noisier)"
                  : ""));
      ProcMemory.Meminfo before = ProcMemory.settled();
      progress.accept("starting " + count + " system guests");
      long t0 = System.nanoTime();
      startAll(names, options.parallel());
      Duration startAll = Duration.ofNanos(System.nanoTime() - t0);
      Thread.sleep(IDLE_WAIT);
      ProcMemory.Own ownAfter = ProcMemory.Own.collected();
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
          ownAfter.rss() - ownBefore.rss(),
          ownAfter.liveHeap() - ownBefore.liveHeap(),
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

  /**
   * Starts every guest, {@code parallel} at a time; the first failure is thrown once all starts
   * ended, so the caller's cleanup finds every guest that did start.
   */
  private void startAll(List<GuestName> names, int parallel) throws InterruptedException {
    Guests guests = host.guests();
    if (parallel == 1) {
      for (GuestName name : names) {
        host.checkOpen();
        guests.start(name, List.of(), Guests.Attach.DETACHED);
      }
      return;
    }
    List<Future<?>> starts = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(parallel)) {
      for (GuestName name : names) {
        starts.add(
            pool.submit(
                () -> {
                  host.checkOpen();
                  guests.start(name, List.of(), Guests.Attach.DETACHED);
                }));
      }
    }
    for (Future<?> start : starts) {
      try {
        start.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new JvsException(e.getMessage());
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
