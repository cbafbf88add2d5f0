package dev.jvs.api;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.guest.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Feeds the event bus by comparing what the guests look like now with the last look, every {@code
 * every}: so guests changed by anyone (the API, the CLI through the service, a CLI in its own JVM,
 * a guest's init exiting or the OOM killer) produce the same events. A change and its undoing
 * within one period is not seen.
 */
final class GuestWatcher implements AutoCloseable {
  /** What one look found about one guest. */
  private record Seen(
      boolean running,
      long pid,
      String exit,
      long stoppedPid,
      long configModified,
      long oomKills,
      long pidsHits,
      boolean atPidsLimit) {}

  private final Guests guests;
  private final StateStore store = new StateStore();
  private final EventBus events;
  private final GuestLooks looks;
  private final Consumer<String> log;
  private final Object lock = new Object();
  private Map<String, Seen> last; // null while nobody listens
  private volatile boolean closed;
  private Thread thread;

  GuestWatcher(Guests guests, EventBus events, GuestLooks looks, Consumer<String> log) {
    this.guests = guests;
    this.events = events;
    this.looks = looks;
    this.log = log;
  }

  void start(Duration every) {
    events.beforeSubscribe(this::listening);
    thread =
        Thread.ofPlatform()
            .daemon()
            .name("jvs-api-events")
            .start(
                () -> {
                  while (!closed) {
                    try {
                      Thread.sleep(every);
                      tick();
                    } catch (InterruptedException e) {
                      return;
                    } catch (RuntimeException e) {
                      log.accept("events: " + e);
                    }
                  }
                });
  }

  /**
   * A subscriber arrives: with nobody listening before, a look now is the baseline its events are
   * changes from (so a change right after subscribing is not taken for the starting point).
   */
  void listening() {
    synchronized (lock) {
      if (last == null) {
        last = look();
      }
    }
  }

  /**
   * One comparison: publishes what changed since the last. With nobody subscribed it looks at
   * nothing: reading every guest's cgroup files twice a second costs a service with 100 idle guests
   * a tenth of a CPU, for events nobody would get.
   */
  void tick() {
    synchronized (lock) {
      if (events.subscribers() == 0) {
        last = null;
        return;
      }
      if (last == null) {
        last = look();
        return;
      }
      compare();
    }
  }

  private void compare() {
    Map<String, Seen> now = look();
    for (Map.Entry<String, Seen> e : now.entrySet()) {
      String name = e.getKey();
      Seen s = e.getValue();
      Seen before = last.get(name);
      if (before == null) {
        publish(name, "created", Map.of());
        before = new Seen(false, 0, s.exit(), 0, s.configModified(), 0, 0, false);
      }
      boolean restarted = before.running() && s.running() && before.pid() != s.pid();
      if (restarted) {
        ended(name, null);
      } else if (before.running() && !s.running()) {
        ended(name, s.stoppedPid() == before.pid() ? null : s.exit(), s.exit());
      }
      if ((!before.running() && s.running()) || restarted) {
        publish(name, "started", Map.of("pid", s.pid()));
      }
      if (s.configModified() != before.configModified()) {
        publish(name, "config", Map.of());
      }
      if (s.oomKills() > before.oomKills() && !restarted && before.running()) {
        publish(name, "oom-kill", Map.of("count", s.oomKills() - before.oomKills()));
      }
      // Forks refused by the pids controller, or the guest's count reaching pids.max: an
      // unprivileged guest's forks at its limit are refused earlier, by RLIMIT_NPROC, which
      // counts nowhere (guest/ProcessCap).
      boolean reached = s.atPidsLimit() && !before.atPidsLimit();
      if ((s.pidsHits() > before.pidsHits() || reached) && !restarted && before.running()) {
        publish(name, "pids-max", Map.of("count", s.pidsHits() - before.pidsHits()));
      }
    }
    for (String name : last.keySet()) {
      if (!now.containsKey(name)) {
        Seen before = last.get(name);
        if (before.running()) {
          ended(name, null);
        }
        publish(name, "deleted", Map.of());
      }
    }
    last = now;
  }

  /**
   * "exited" with its code when the guest's first process ended by itself ({@code exit}), else
   * "stopped" (jvs stopped, restarted or deleted it; {@code how} it ended, when known).
   */
  private void ended(String name, String exit, String how) {
    if (exit != null && exit.startsWith("exited ")) {
      publish(name, "exited", Map.of("code", Integer.parseInt(exit.substring(7))));
    } else {
      Map<String, Object> details = new LinkedHashMap<>();
      if (how != null) {
        details.put("how", how);
      }
      publish(name, "stopped", details);
    }
  }

  private void ended(String name, String exit) {
    ended(name, exit, exit);
  }

  private void publish(String guest, String type, Map<String, Object> details) {
    events.publish(new Event(Instant.now(), guest, type, details));
  }

  private Map<String, Seen> look() {
    GuestLooks.Look look = looks.take();
    List<GuestStatus> all = look.guests();
    Map<String, Seen> seen = new HashMap<>();
    for (GuestStatus s : all) {
      boolean up = s.state() == GuestStatus.State.RUNNING;
      long oom = 0;
      long pidsHits = 0;
      boolean atPidsLimit = false;
      if (up) {
        var c = look.counters(s.name());
        if (c.isPresent()) {
          oom = Math.max(0, c.get().usage().oomKills());
          pidsHits = Math.max(0, c.get().pidsMaxHits());
          String max = s.resources().get("pids.max");
          atPidsLimit = max != null && c.get().usage().pids() >= Long.parseLong(max);
        }
      }
      seen.put(
          s.name(),
          new Seen(
              up,
              s.initPid(),
              s.lastExit() == null ? null : s.lastExit().toString(),
              up ? 0 : store.stoppedInitPid(guests.dirs().runGuest(GuestName.of(s.name()))),
              modified(s.name()),
              oom,
              pidsHits,
              atPidsLimit));
    }
    return seen;
  }

  private long modified(String name) {
    try {
      return Files.getLastModifiedTime(
              guests.dirs().guest(GuestName.of(name)).resolve(ConfigFile.FILE_NAME))
          .toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
