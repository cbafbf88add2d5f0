package dev.jvs.bench.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * What the receiving end of one iperf3 run in reverse mode (-R: the server sends, the client
 * receives) measured, from the client's JSON report (-J).
 *
 * @param bitsPerSecond what arrived ("sum_received"), TCP or UDP payload
 * @param lostPercent UDP datagrams lost on the way, 0 for TCP
 * @param receiverCpuPercent the client's (receiver's) own CPU use over the run, user + system, as
 *     iperf3 measures it with getrusage
 * @param senderCpuPercent the server's (sender's), as the server reported it
 */
public record IperfReceive(
    double bitsPerSecond, double lostPercent, double receiverCpuPercent, double senderCpuPercent) {

  /** Parses a report; throws with iperf3's own error line when the run failed. */
  public static IperfReceive parse(String json) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(
          "iperf3: no JSON report: " + json.strip().lines().findFirst().orElse("(nothing)"));
    }
    if (root.hasNonNull("error")) {
      throw new IllegalStateException("iperf3: " + root.get("error").asText());
    }
    JsonNode received = root.path("end").path("sum_received");
    if (!received.has("bits_per_second")) {
      throw new IllegalStateException("iperf3 reported no sum_received");
    }
    JsonNode cpu = root.path("end").path("cpu_utilization_percent");
    return new IperfReceive(
        received.get("bits_per_second").asDouble(),
        received.path("lost_percent").asDouble(0),
        cpu.path("host_total").asDouble(Double.NaN),
        cpu.path("remote_total").asDouble(Double.NaN));
  }

  /** Gigabytes received in {@code seconds}. */
  public double gigabytes(double seconds) {
    return bitsPerSecond * seconds / 8e9;
  }
}
