package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the pgbench runs of one moment measured together, over the window in which all of them ran:
 * transactions per second and latency percentiles (milliseconds) of every transaction that ended in
 * it. Summing each run's own tps instead would count runs that started late (a container's exec can
 * take seconds when 64 start at once) as if they had competed with the others all along.
 */
record PgResult(double tps, long transactions, double p50, double p95, double p99) {

  /**
   * Merges the outputs of the script's bench step: "tps N" (pgbench's own figure: its presence says
   * the run succeeded), then "lat LATENCY_US END_EPOCH_US" per transaction.
   */
  static PgResult merge(List<String> outputs) {
    List<long[]> runs = new ArrayList<>(); // per run: pairs of latency, end
    long windowStart = Long.MIN_VALUE;
    long windowEnd = Long.MAX_VALUE;
    for (String out : outputs) {
      boolean seen = false;
      List<Long> values = new ArrayList<>();
      for (String line : out.lines().toList()) {
        if (line.startsWith("tps ")) {
          seen = true;
        } else if (line.startsWith("lat ")) {
          String[] f = line.substring(4).strip().split(" ");
          if (f.length != 2) {
            throw new JvsException("pgbench log line without its end time: " + line);
          }
          values.add(Long.parseLong(f[0]));
          values.add(Long.parseLong(f[1]));
        }
      }
      if (!seen) {
        throw new JvsException(
            "pgbench printed no tps line: " + out.lines().findFirst().orElse(""));
      }
      if (values.isEmpty()) {
        throw new JvsException("pgbench logged no transaction");
      }
      long[] run = values.stream().mapToLong(Long::longValue).toArray();
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (int i = 1; i < run.length; i += 2) {
        first = Math.min(first, run[i]);
        last = Math.max(last, run[i]);
      }
      windowStart = Math.max(windowStart, first);
      windowEnd = Math.min(windowEnd, last);
      runs.add(run);
    }
    if (windowEnd <= windowStart) {
      throw new JvsException(
          "the " + outputs.size() + " pgbench runs never all ran at once (no common window)");
    }
    List<Long> inWindow = new ArrayList<>();
    for (long[] run : runs) {
      for (int i = 0; i < run.length; i += 2) {
        if (run[i + 1] >= windowStart && run[i + 1] <= windowEnd) {
          inWindow.add(run[i]);
        }
      }
    }
    long[] lat = inWindow.stream().mapToLong(Long::longValue).sorted().toArray();
    double seconds = (windowEnd - windowStart) / 1e6;
    return new PgResult(
        lat.length / seconds,
        lat.length,
        percentile(lat, 0.50),
        percentile(lat, 0.95),
        percentile(lat, 0.99));
  }

  /** Nearest-rank percentile of sorted microseconds, in milliseconds. */
  private static double percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1000.0;
  }
}
