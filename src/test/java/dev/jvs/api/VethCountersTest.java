package dev.jvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** /proc/net/dev as the kernel prints it: two header lines, then one line per interface. */
class VethCountersTest {
  @Test
  void eachInterfaceHasItsReceiveAndTransmitBytesAndPackets() {
    String text =
        """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:    1200      12    0    0    0     0          0         0     1200      12    0    0    0     0       0          0
        jvs1a2b3c4d5e6f:  987654   321    0    0    0     0          0         0   12345     67    0    0    0     0       0          0
        """;
    Map<String, long[]> c = VethCounters.parse(text);
    assertThat(c).containsOnlyKeys("lo", "jvs1a2b3c4d5e6f");
    assertThat(c.get("jvs1a2b3c4d5e6f")).containsExactly(987654, 321, 12345, 67);
  }

  @Test
  void theRunningKernelsFileParses() {
    assertThat(VethCounters.read()).containsKey("lo");
  }
}
