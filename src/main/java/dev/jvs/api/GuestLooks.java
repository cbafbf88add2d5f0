package dev.jvs.api;

import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One look at every guest and the counters of the running ones, shared by the event watcher (which
 * takes one each tick) and the metrics (which serve the latest): a scrape then costs the formatting
 * only, not a thousand guests' cgroup files. A change made through the API marks the look stale, so
 * the next scrape or tick sees it.
 */
final class GuestLooks {
  /** What one look found, and when. */
  record Look(
      long takenNanos, List<GuestStatus> guests, Map<String, GuestCounters.Counters> counters) {
    Optional<GuestCounters.Counters> counters(String guest) {
      return Optional.ofNullable(counters.get(guest));
    }
  }

  private final Guests guests;
  private final GuestCounters reader;
  private volatile Look latest;
  private volatile boolean stale = true;

  GuestLooks(Guests guests, GuestCounters reader) {
    this.guests = guests;
    this.reader = reader;
  }

  /** A new look, which becomes the latest. */
  synchronized Look take() {
    stale = false; // a change from now on marks this look stale again
    List<GuestStatus> all = guests.list();
    Map<String, GuestCounters.Counters> counters =
        reader.read(all.stream().filter(s -> s.state() == GuestStatus.State.RUNNING).toList());
    Look look = new Look(System.nanoTime(), all, counters);
    latest = look;
    return look;
  }

  /**
   * The latest look, or a new one when there is none, an API change made it stale, or it is older
   * than {@code maxAge} (the watcher stopped looking). An old look is not a reason: with a thousand
   * guests a look takes longer than a tick, and a scrape waiting for one would take as long.
   */
  Look latest(Duration maxAge) {
    Look l = latest;
    if (l == null || stale || System.nanoTime() - l.takenNanos() > maxAge.toNanos()) {
      return take();
    }
    return l;
  }

  /** Something changed (an API action): the next {@link #latest} looks again. */
  void changed() {
    stale = true;
  }
}
