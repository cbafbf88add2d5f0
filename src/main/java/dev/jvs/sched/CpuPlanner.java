package dev.jvs.sched;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns shares and reservations into CFS weights (docs/resources.md, "CPU"). CFS splits a contended
 * CPU between cgroups in proportion to their weights whatever their process counts, and a guest
 * that does not use its part leaves it to the others. So giving guest i the weight
 *
 * <pre>  w_i ∝ ρ_i + (1 − Σρ) · s_i / Σs</pre>
 *
 * where ρ_i is its reservation as a fraction of the CPUs the running guests span and s_i its share,
 * guarantees it ρ_i under full contention, shares the unreserved rest by share, and stays
 * work-conserving: an idle guest's weight costs nobody anything.
 */
public final class CpuPlanner {
  /** The weight of the whole set of guests on the cpu.shares scale; large for resolution. */
  static final long SCALE = 100_000;

  static final long MIN_WEIGHT = 2;
  static final long MAX_WEIGHT = 262_144;

  private CpuPlanner() {}

  /** cpu.shares per guest; without any reservation each guest simply gets its share. */
  public static Map<String, Long> weights(List<CpuClaim> claims) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (claims.stream().allMatch(c -> c.reservePercent() == 0)) {
      claims.forEach(c -> out.put(c.guest(), c.share()));
      return out;
    }
    BitSet span = new BitSet();
    claims.forEach(c -> span.or(c.cpus()));
    double capacity = 100.0 * Math.max(1, span.cardinality());
    double reserved =
        Math.min(1.0, claims.stream().mapToInt(CpuClaim::reservePercent).sum() / capacity);
    double shares = claims.stream().mapToLong(CpuClaim::share).sum();
    for (CpuClaim c : claims) {
      double fraction = c.reservePercent() / capacity + (1 - reserved) * c.share() / shares;
      long w = Math.round(fraction * SCALE);
      out.put(c.guest(), Math.clamp(w, MIN_WEIGHT, MAX_WEIGHT));
    }
    return out;
  }
}
