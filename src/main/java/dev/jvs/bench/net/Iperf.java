package dev.jvs.bench.net;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What one iperf3 client run measured, from its JSON report (-J). */
public record Iperf(double bitsPerSecond, long meanRttMicros) {
  private static final Pattern BPS = Pattern.compile("\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)");
  private static final Pattern RTT = Pattern.compile("\"mean_rtt\"\\s*:\\s*(\\d+)");

  /** The client's sent throughput ("sum_sent") and the mean TCP RTT of its stream. */
  public static Iperf parse(String json) {
    int sent = json.indexOf("\"sum_sent\"");
    if (sent < 0) {
      throw new IllegalStateException(
          "iperf3 reported no result: "
              + json.strip()
                  .lines()
                  .filter(l -> l.contains("error"))
                  .findFirst()
                  .orElse(json.strip()));
    }
    Matcher bps = BPS.matcher(json);
    if (!bps.find(sent)) {
      throw new IllegalStateException("iperf3: no bits_per_second in sum_sent");
    }
    Matcher rtt = RTT.matcher(json);
    return new Iperf(
        Double.parseDouble(bps.group(1)), rtt.find() ? Long.parseLong(rtt.group(1)) : 0);
  }

  public double mbit() {
    return bitsPerSecond / 1e6;
  }
}
