package dev.jvs.bench;

import java.util.List;

/**
 * What a CPU experiment measured.
 *
 * @param samples per interval, each guest's share (a fraction) in the experiment's measure
 * @param means each guest's share over the whole measured period
 */
public record CpuRun(
    CpuExperiment experiment, double intervalSeconds, List<double[]> samples, double[] means) {
  public CpuRun {
    samples = List.copyOf(samples);
  }
}
