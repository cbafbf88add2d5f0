package dev.jvs.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuPlannerTest {
  private static BitSet cpus(int n) {
    BitSet b = new BitSet();
    b.set(0, n);
    return b;
  }

  private static double fraction(Map<String, Long> w, String guest) {
    return (double) w.get(guest) / w.values().stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void withoutReservationsWeightsAreTheShares() {
    Map<String, Long> w =
        CpuPlanner.weights(
            List.of(new CpuClaim("a", 1024, 0, cpus(2)), new CpuClaim("b", 512, 0, cpus(2))));
    assertThat(w).containsEntry("a", 1024L).containsEntry("b", 512L);
  }

  @Test
  void aReservationHoldsAgainstHeavierGuests() {
    // One CPU; "small" reserves 25 % with the least weight against three heavy guests.
    Map<String, Long> w =
        CpuPlanner.weights(
            List.of(
                new CpuClaim("small", 2, 25, cpus(1)), new CpuClaim("b", 4096, 0, cpus(1)),
                new CpuClaim("c", 4096, 0, cpus(1)), new CpuClaim("d", 4096, 0, cpus(1))));
    assertThat(fraction(w, "small")).isGreaterThanOrEqualTo(0.25);
    assertThat(fraction(w, "b")).isCloseTo(0.25, within(0.001));
  }

  @Test
  void unreservedCapacityIsSharedByShare() {
    // Two CPUs: a reserves 100 % (half the host); b and c split the other half 2:1.
    Map<String, Long> w =
        CpuPlanner.weights(
            List.of(
                new CpuClaim("a", 1024, 100, cpus(2)),
                new CpuClaim("b", 2048, 0, cpus(2)),
                new CpuClaim("c", 1024, 0, cpus(2))));
    assertThat(fraction(w, "a")).isCloseTo(0.5 + 0.5 * 1024 / 4096, within(0.001));
    assertThat(fraction(w, "b") / fraction(w, "c")).isCloseTo(2.0, within(0.01));
  }

  @Test
  void weightsStayInTheKernelsRange() {
    Map<String, Long> w =
        CpuPlanner.weights(
            List.of(new CpuClaim("a", 2, 0, cpus(1)), new CpuClaim("b", 262144, 100, cpus(1))));
    assertThat(w.values()).allMatch(v -> v >= 2 && v <= 262144);
  }
}
