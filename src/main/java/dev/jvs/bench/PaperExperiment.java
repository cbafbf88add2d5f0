package dev.jvs.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** One experiment of `jvs bench paper`: runs on a fresh {@link BenchHost} and returns figures. */
public interface PaperExperiment {
  /** The name used by --only and for DIR/NAME.csv. */
  String name();

  /** What the paper's counterpart is, for the report's heading. */
  String title();

  /** A rough duration, for the progress line's ETA. */
  Duration estimate(boolean quick);

  Output run(BenchHost host, boolean quick, Consumer<String> progress) throws Exception;

  /**
   * What an experiment produced.
   *
   * @param figures charts by file name (without extension)
   * @param notes sentences the report prints under the experiment (caveats, skipped systems)
   */
  record Output(
      ResultTable table, List<Claim> claims, Map<String, BarChart> figures, List<String> notes) {}
}
