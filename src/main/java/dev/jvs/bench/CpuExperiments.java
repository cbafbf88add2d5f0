package dev.jvs.bench;

import dev.jvs.base.JvsException;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import dev.jvs.sched.MemoryBudget;
import dev.jvs.sched.Service;
import dev.jvs.sched.Watchdog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a {@link CpuExperiment} on a runtime: builds and starts its guests, starts their busy loops
 * (busybox shell loops: CPU-bound, no I/O), optionally the jvs service, samples each guest's cgroup
 * CPU time, then stops and deletes the guests.
 */
public final class CpuExperiments {
  private final Guests guests;
  private final CgroupDriver cgroups;
  private final Consumer<String> progress;

  public CpuExperiments(Guests guests, CgroupDriver cgroups, Consumer<String> progress) {
    this.guests = guests;
    this.cgroups = cgroups;
    this.progress = progress;
  }

  public CpuRun run(CpuExperiment e, Duration warmup, Duration measure, Duration interval)
      throws InterruptedException {
    List<GuestName> names = e.guests().stream().map(l -> GuestName.of(l.guest())).toList();
    List<Thread> loads = new ArrayList<>();
    Service service = null;
    Thread serviceThread = null;
    try {
      for (CpuExperiment.Load l : e.guests()) {
        GuestName g = GuestName.of(l.guest());
        guests.build(g, "busybox");
        guests.set(g, l.limits());
        guests.start(g, List.of(), Guests.Attach.DETACHED);
      }
      if (e.ofWallTime()) {
        // A cap is measured against wall time, so other load on the host must not eat into it.
        BenchHost.outweighTheHost(guests.dirs());
      }
      if (e.serve()) {
        Service s =
            new Service(
                guests,
                cgroups,
                new MemoryBudget.Host(),
                new Watchdog(0),
                line -> progress.accept("service: " + line));
        service = s;
        serviceThread = Thread.ofPlatform().name("jvs-bench-service").start(() -> s.run(interval));
      }
      for (CpuExperiment.Load l : e.guests()) {
        String script =
            "i=0; while [ $i -lt "
                + l.processes()
                + " ]; do (while :; do :; done) & i=$((i+1)); done; wait";
        GuestName g = GuestName.of(l.guest());
        loads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        guests.exec(g, List.of("sh", "-c", script), false, Launcher.Stdio.none());
                      } catch (JvsException ignored) {
                        // the guest was stopped under it: the end of the run
                      }
                    }));
      }
      progress.accept(
          "(" + e.id() + ") " + e.title() + ": warming up " + warmup.toSeconds() + " s");
      Thread.sleep(warmup);
      return sample(e, names, measure, interval);
    } finally {
      if (service != null) {
        service.close();
        serviceThread.interrupt();
        serviceThread.join();
      }
      deleteHeaviestFirst(e);
      for (Thread t : loads) {
        t.join(10_000);
      }
    }
  }

  /**
   * Deletes the guests, heaviest share first: a starved guest (share 2 against busy heavy ones)
   * gets too little CPU to even die of SIGKILL while they still run. Tries every guest.
   */
  private void deleteHeaviestFirst(CpuExperiment e) {
    RuntimeException first = null;
    List<CpuExperiment.Load> order =
        e.guests().stream()
            .sorted(
                java.util.Comparator.comparingLong(
                        (CpuExperiment.Load l) ->
                            Long.parseLong(l.limits().getOrDefault("cpu.share", "1024")))
                    .reversed())
            .toList();
    for (CpuExperiment.Load l : order) {
      GuestName g = GuestName.of(l.guest());
      try {
        guests.delete(g, true);
      } catch (JvsException ex) {
        if (!ex.getMessage().endsWith("no such guest") && first == null) {
          first = ex;
        }
      } catch (RuntimeException ex) {
        first = first == null ? ex : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private CpuRun sample(CpuExperiment e, List<GuestName> names, Duration measure, Duration interval)
      throws InterruptedException {
    List<double[]> samples = new ArrayList<>();
    long[] first = cpu(names);
    long[] last = first;
    long t0 = System.nanoTime();
    long tLast = t0;
    long end = t0 + measure.toNanos();
    while (System.nanoTime() < end) {
      Thread.sleep(interval);
      long[] now = cpu(names);
      long t = System.nanoTime();
      samples.add(shares(e, last, now, t - tLast));
      last = now;
      tLast = t;
    }
    progress.accept("(" + e.id() + ") measured " + samples.size() + " intervals");
    return new CpuRun(e, interval.toMillis() / 1000.0, samples, shares(e, first, last, tLast - t0));
  }

  private static double[] shares(CpuExperiment e, long[] before, long[] after, long elapsedNanos) {
    double[] d = new double[before.length];
    double total = 0;
    for (int i = 0; i < d.length; i++) {
      d[i] = after[i] - before[i];
      total += d[i];
    }
    double denominator = e.ofWallTime() ? elapsedNanos : total;
    for (int i = 0; i < d.length; i++) {
      d[i] = denominator > 0 ? d[i] / denominator : 0;
    }
    return d;
  }

  private long[] cpu(List<GuestName> names) {
    return names.stream()
        .mapToLong(
            g -> {
              var usage = guests.status(g).usage();
              return usage == null ? 0 : usage.cpuNanos();
            })
        .toArray();
  }
}
