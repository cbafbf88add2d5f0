package dev.jvs.sched;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The memory-overbooking watchdog's rule, as on PlanetLab: limits may sum above the memory there
 * is; when the available memory drops below a threshold, reset the guest furthest above its fair
 * share (the budget divided equally among the running guests), before the kernel's OOM killer would
 * pick a victim by its own, guest-blind rule.
 */
public final class Watchdog {
  private final long thresholdBytes;

  public Watchdog(long thresholdBytes) {
    this.thresholdBytes = thresholdBytes;
  }

  public long thresholdBytes() {
    return thresholdBytes;
  }

  /** Whom to reset now, if anyone. */
  public Optional<Reset> decide(long availableBytes, long totalBytes, List<GuestMemory> guests) {
    if (availableBytes >= thresholdBytes || guests.isEmpty()) {
      return Optional.empty();
    }
    long fair = totalBytes / guests.size();
    GuestMemory worst =
        guests.stream().max(Comparator.comparingLong(GuestMemory::usageBytes)).orElseThrow();
    String reason =
        String.format(
            "available memory %s is below the threshold %s; %s uses %s, %s above its fair share"
                + " %s (%s / %d guests)",
            mib(availableBytes),
            mib(thresholdBytes),
            worst.guest(),
            mib(worst.usageBytes()),
            mib(worst.usageBytes() - fair),
            mib(fair),
            mib(totalBytes),
            guests.size());
    return Optional.of(new Reset(worst.guest(), worst.restart(), reason));
  }

  static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / 1048576.0);
  }
}
