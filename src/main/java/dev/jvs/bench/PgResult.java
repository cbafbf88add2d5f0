package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.util.Arrays;
import java.util.List;

/**
 * What the pgbench runs of one moment measured together: the sum of their transactions per second,
 * and latency percentiles over every transaction of all of them (in milliseconds).
 */
record PgResult(double tps, long transactions, double p50, double p95, double p99) {

  /** Merges the outputs of the script's bench step ("tps N", then "lat US" per transaction). */
  static PgResult merge(List<String> outputs) {
    double tps = 0;
    long count = 0;
    for (String out : outputs) {
      count += out.lines().filter(l -> l.startsWith("lat ")).count();
    }
    long[] lat = new long[Math.toIntExact(count)];
    int k = 0;
    for (String out : outputs) {
      boolean seen = false;
      for (String line : out.lines().toList()) {
        if (line.startsWith("tps ")) {
          tps += Double.parseDouble(line.substring(4).strip());
          seen = true;
        } else if (line.startsWith("lat ")) {
          lat[k++] = Long.parseLong(line.substring(4).strip());
        }
      }
      if (!seen) {
        throw new JvsException(
            "pgbench printed no tps line: " + out.lines().findFirst().orElse(""));
      }
    }
    if (count == 0) {
      throw new JvsException("pgbench logged no transaction");
    }
    Arrays.sort(lat);
    return new PgResult(
        tps, count, percentile(lat, 0.50), percentile(lat, 0.95), percentile(lat, 0.99));
  }

  /** Nearest-rank percentile of sorted microseconds, in milliseconds. */
  private static double percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1000.0;
  }
}
