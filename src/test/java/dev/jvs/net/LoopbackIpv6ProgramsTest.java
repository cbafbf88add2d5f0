package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoopbackIpv6ProgramsTest {
  @Test
  void portsAndAddressesAreTheWordsTheKernelStoresInNetworkOrder() {
    assertThat(LoopbackIpv6Programs.portLe(8080)).isEqualTo(0x901f);
    assertThat(LoopbackIpv6Programs.words("fd12:3456:7800::5"))
        .containsExactly(0x563412fd, 0x78, 0, 0x05000000);
    assertThat(LoopbackIpv6Programs.words("::1")).containsExactly(0, 0, 0, 0x01000000);
  }

  @Test
  void udpPortsAddTheUnconnectedSendAndReceiveHooks() {
    List<PortMapping> tcp = List.of(new PortMapping(8080, 80, "tcp"));
    List<PortMapping> both = List.of(tcp.getFirst(), new PortMapping(5353, 53, "udp"));
    assertThat(LoopbackIpv6Programs.hooks(7, "fd00::5", tcp))
        .extracting(LoopbackIpv6Programs.Hook::attachType)
        .containsExactly(LoopbackIpv6Programs.CONNECT6, LoopbackIpv6Programs.GETPEERNAME6);
    assertThat(LoopbackIpv6Programs.hooks(7, "fd00::5", both))
        .extracting(LoopbackIpv6Programs.Hook::attachType)
        .containsExactly(
            LoopbackIpv6Programs.CONNECT6,
            LoopbackIpv6Programs.GETPEERNAME6,
            LoopbackIpv6Programs.SENDMSG6,
            LoopbackIpv6Programs.RECVMSG6);
  }
}
