package dev.jvs.bench.net;

import dev.jvs.bench.Quartiles;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One TCP stream to the outside host per network mode against the host's own (native), in paired
 * rounds: each round runs native and every mode back to back, starting with a different one each
 * round, and a mode's figures are the medians of its per-round ratios to that round's native.
 * Pairing cancels the drift of a shared machine, which moves single runs by ±20 %; the ratios'
 * quartiles show what is left. Besides throughput and RTT it reports the host CPU time spent per
 * gigabyte, because on an unshaped veth the link is as fast as the CPU and a mode's extra work
 * shows as lost throughput, while on a link with a line rate it shows only as CPU.
 */
final class ModeThroughput {
  /** A mode's label and one iperf3 client run of it. */
  record Mode(String label, Supplier<Iperf> client) {}

  /** A mode's medians: absolute throughput, and ratios to native with throughput's quartiles. */
  record Row(String label, double gbit, Quartiles throughput, double rtt, double cpuPerGigabyte) {}

  private record Run(Iperf iperf, double cpuSeconds) {
    double cpuPerGigabyte(int seconds) {
      return cpuSeconds / (iperf.bitsPerSecond() * seconds / 8e9);
    }
  }

  private final List<Mode> modes;
  private final int seconds;

  /** {@code modes}: native first, then the modes compared with it. */
  ModeThroughput(List<Mode> modes, int seconds) {
    if (modes.size() < 2) {
      throw new IllegalArgumentException("native and at least one mode");
    }
    this.modes = List.copyOf(modes);
    this.seconds = seconds;
  }

  List<Row> measure(int rounds) {
    int n = modes.size();
    Run[][] runs = new Run[rounds][n];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < n; k++) {
        int m = (r + k) % n;
        runs[r][m] = once(modes.get(m));
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int m = 0; m < n; m++) {
      double[] gbit = new double[rounds];
      double[] throughput = new double[rounds];
      double[] rtt = new double[rounds];
      double[] cpu = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        Run x = runs[r][m];
        Run nat = runs[r][0];
        gbit[r] = x.iperf().bitsPerSecond() / 1e9;
        throughput[r] = x.iperf().bitsPerSecond() / nat.iperf().bitsPerSecond();
        rtt[r] =
            nat.iperf().meanRttMicros() == 0
                ? 0
                : (double) x.iperf().meanRttMicros() / nat.iperf().meanRttMicros();
        cpu[r] = x.cpuPerGigabyte(seconds) / nat.cpuPerGigabyte(seconds);
      }
      rows.add(
          new Row(
              modes.get(m).label(),
              Quartiles.of(gbit).median(),
              Quartiles.of(throughput),
              Quartiles.of(rtt).median(),
              Quartiles.of(cpu).median()));
    }
    return rows;
  }

  private static Run once(Mode mode) {
    double before = HostCpu.busySeconds();
    Iperf iperf = mode.client().get();
    return new Run(iperf, HostCpu.busySeconds() - before);
  }

  /** The table's lines: a header and one line per mode, native first. */
  static List<String> table(List<Row> rows) {
    List<String> out = new ArrayList<>();
    out.add(
        String.format(
            "  %-22s %7s %9s %13s %9s %11s",
            "", "Gbit/s", "x native", "(quartiles)", "RTT x", "CPU/GB x"));
    for (Row row : rows) {
      out.add(
          String.format(
              "  %-22s %7.2f %9.2f %13s %9.2f %11.2f",
              row.label(),
              row.gbit(),
              row.throughput().median(),
              String.format("%.2f..%.2f", row.throughput().lower(), row.throughput().upper()),
              row.rtt(),
              row.cpuPerGigabyte()));
    }
    return out;
  }
}
