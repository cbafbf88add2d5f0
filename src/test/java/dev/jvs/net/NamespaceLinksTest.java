package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a checkpoint reads of a guest's namespace before it leaves it out: its links and MACs. */
class NamespaceLinksTest {
  @Test
  void eachLinkByItsNameWithItsMacOrNone() {
    String out =
        """
        1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
        2: eth0@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether a2:3b:11:22:33:44 brd ff:ff:ff:ff:ff:ff link-netnsid 0
        3: tun0: <POINTOPOINT,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 500\\    link/none
        """;
    assertThat(NamespaceLinks.parse(out))
        .isEqualTo(Map.of("lo", "", "eth0", "a2:3b:11:22:33:44", "tun0", ""));
  }
}
