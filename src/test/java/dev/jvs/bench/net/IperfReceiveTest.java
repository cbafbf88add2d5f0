package dev.jvs.bench.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IperfReceiveTest {
  @Test
  void readsTheReceivedSumLossAndBothEndsCpu() {
    String udp =
        """
        {"start":{},"intervals":[],"end":{"streams":[],
         "sum":{"bits_per_second":9.6e9,"lost_percent":69.8},
         "sum_sent":{"bits_per_second":9.6e9,"lost_percent":0},
         "sum_received":{"bits_per_second":2.7e9,"lost_percent":69.8,"sender":false},
         "cpu_utilization_percent":{"host_total":10.8,"remote_total":19.8}}}
        """;
    IperfReceive r = IperfReceive.parse(udp);
    assertThat(r.bitsPerSecond()).isEqualTo(2.7e9);
    assertThat(r.lostPercent()).isEqualTo(69.8);
    assertThat(r.receiverCpuPercent()).isEqualTo(10.8);
    assertThat(r.senderCpuPercent()).isEqualTo(19.8);
    assertThat(r.gigabytes(10)).isEqualTo(3.375);
  }

  @Test
  void tcpHasNoLoss() {
    IperfReceive r =
        IperfReceive.parse(
            "{\"end\":{\"sum_received\":{\"bits_per_second\":4.9e9},"
                + "\"cpu_utilization_percent\":{\"host_total\":11.3,\"remote_total\":12.2}}}");
    assertThat(r.lostPercent()).isZero();
  }

  @Test
  void aFailedRunIsIperfsOwnError() {
    assertThatThrownBy(
            () -> IperfReceive.parse("{\"start\":{},\"error\":\"unable to connect to server\"}"))
        .hasMessage("iperf3: unable to connect to server");
    assertThatThrownBy(() -> IperfReceive.parse("iperf3: error - no such host\n"))
        .hasMessageContaining("no JSON report: iperf3: error - no such host");
  }
}
