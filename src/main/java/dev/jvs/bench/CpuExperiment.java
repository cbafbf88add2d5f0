package dev.jvs.bench;

import java.util.List;
import java.util.Map;

/**
 * One of the paper's CPU experiments: guests running busy loops, with their limits.
 *
 * @param ofWallTime measure each guest's CPU time per wall-clock time (for caps) rather than its
 *     part of the guests' total (for splits, which other load on the host does not distort)
 * @param serve whether the jvs service (the scheduler that holds reservations) runs meanwhile
 */
public record CpuExperiment(
    String id, String title, List<Load> guests, boolean ofWallTime, boolean serve) {

  /** A guest running {@code processes} busy loops under {@code limits}. */
  public record Load(String guest, int processes, Map<String, String> limits) {}

  public CpuExperiment {
    guests = List.copyOf(guests);
  }

  /** (a) Equal shares on one CPU, 1, 4 and 16 busy processes: 1/3 each. */
  public static CpuExperiment fairShare() {
    Map<String, String> one = Map.of("cpu.cpus", "0");
    return new CpuExperiment(
        "a",
        "fair share: 3 guests, equal cpu.share, 1 / 4 / 16 busy processes",
        List.of(
            new Load("jvs-fair1", 1, one),
            new Load("jvs-fair4", 4, one),
            new Load("jvs-fair16", 16, one)),
        false,
        false);
  }

  /** (b) A guest reserving 25 % of the CPU, with the least weight, against 3 heavy greedy ones. */
  public static CpuExperiment reservation() {
    return new CpuExperiment(
        "b",
        "reservation: cpu.reserve=25 (cpu.share=2) vs 3 greedy guests"
            + " with cpu.share=4096, 4 busy processes each",
        List.of(
            new Load(
                "jvs-reserved", 4, Map.of("cpu.cpus", "0", "cpu.share", "2", "cpu.reserve", "25")),
            new Load("jvs-greedy1", 4, Map.of("cpu.cpus", "0", "cpu.share", "4096")),
            new Load("jvs-greedy2", 4, Map.of("cpu.cpus", "0", "cpu.share", "4096")),
            new Load("jvs-greedy3", 4, Map.of("cpu.cpus", "0", "cpu.share", "4096"))),
        false,
        true);
  }

  /** (b0) The same guests without the service: what cpu.share alone would give the small guest. */
  public static CpuExperiment reservationWithoutScheduler() {
    CpuExperiment b = reservation();
    return new CpuExperiment(
        "b0", "control for (b): the same guests without jvs serve", b.guests(), false, false);
  }

  /** (c) A 50 % cap on an otherwise idle host: 4 busy processes get half a CPU. */
  public static CpuExperiment cap() {
    return new CpuExperiment(
        "c",
        "cap: cpu.limit=50, 4 busy processes, no competition",
        List.of(new Load("jvs-capped", 4, Map.of("cpu.limit", "50"))),
        true,
        false);
  }

  /** What the experiment expects of guest {@code i}: "1/3 ± 2 %" and so on, for the table. */
  public String goal(int i) {
    return switch (id) {
      case "a" -> "33.3 % ± 2";
      case "b" -> i == 0 ? "≥ 23 %" : "-";
      case "b0" -> "-";
      default -> "50 % ± 2";
    };
  }
}
