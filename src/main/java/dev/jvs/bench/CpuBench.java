package dev.jvs.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * `jvs bench cpu`: the paper's fair-share, reservation and cap experiments on a {@link BenchHost}.
 */
public final class CpuBench {
  private final BenchHost host;
  private final Consumer<String> progress;

  public CpuBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  /** Runs (a), (b0), (b) and (c), each warmed up, then measured for {@code measure}. */
  public List<CpuRun> run(Duration warmup, Duration measure, Duration interval)
      throws InterruptedException {
    CpuExperiments runner = new CpuExperiments(host.guests(), host.cgroups(), progress);
    List<CpuRun> runs = new ArrayList<>();
    for (CpuExperiment e :
        List.of(
            CpuExperiment.fairShare(),
            CpuExperiment.reservationWithoutScheduler(),
            CpuExperiment.reservation(),
            CpuExperiment.cap())) {
      host.checkOpen();
      runs.add(runner.run(e, warmup, measure, interval));
    }
    return runs;
  }
}
