package dev.jvs.sched;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.TestHost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Guests and an in-process service for the resource tests. */
final class SchedTesting {
  private SchedTesting() {}

  /** Builds a busybox guest with the probe, sets {@code limits}, starts it. */
  static GuestName guest(TestHost host, String name, Map<String, String> limits) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    host.installProbe(g);
    if (!limits.isEmpty()) {
      host.guests().set(g, limits);
    }
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  /** A service ticking on its own thread; close() stops it and waits. */
  static final class RunningService implements AutoCloseable {
    final List<String> log = new CopyOnWriteArrayList<>();
    final Service service;
    private final Thread thread;

    RunningService(TestHost host, MemoryBudget budget, long thresholdBytes, Duration tick) {
      service =
          new Service(
              host.guests(), CgroupDriver.detect(), budget, new Watchdog(thresholdBytes), log::add);
      thread = Thread.ofPlatform().name("jvs-test-service").start(() -> service.run(tick));
    }

    boolean logged(String text) {
      return log.stream().anyMatch(l -> l.contains(text));
    }

    @Override
    public void close() throws InterruptedException {
      service.close();
      thread.interrupt();
      thread.join(10_000);
    }
  }

  /** Waits up to {@code millis} for the condition. */
  static boolean eventually(long millis, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }
}
