package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NetConfigTest {

  @Test
  void defaultsToLoopbackOnly() {
    assertThat(NetConfig.from(Map.of())).isEqualTo(NetConfig.NONE);
  }

  @Test
  void parsesABridgeGuest() {
    NetConfig c =
        NetConfig.from(
            Map.of(
                "net.mode",
                "bridge",
                "net.ip",
                "10.77.0.5/24",
                "net.publish",
                "8080:80/tcp, 5353:53/udp",
                "net.rate",
                "20mbit",
                "net.ceil",
                "1gbit",
                "net.isolate",
                "true"));
    assertThat(c.mode()).isEqualTo(NetMode.BRIDGE);
    assertThat(c.ip()).isEqualTo(Ipv4.parse("10.77.0.5"));
    assertThat(c.publish())
        .containsExactly(new PortMapping(8080, 80, "tcp"), new PortMapping(5353, 53, "udp"));
    assertThat(c.rate()).isEqualTo(20_000_000L);
    assertThat(c.ceil()).isEqualTo(1_000_000_000L);
    assertThat(c.isolate()).isTrue();
  }

  @Test
  void refusesContradictionsAndMalformedValues() {
    assertThatThrownBy(() -> NetConfig.validate("net.mode", "bridgee"))
        .hasMessage("unknown mode 'bridgee' (expected none, host, bridge or host-ip)");
    assertThatThrownBy(() -> NetConfig.validate("net.ip", "10.1.2"))
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> NetConfig.validate("net.ip", "127.0.0.1"))
        .hasMessageContaining("cannot");
    assertThatThrownBy(() -> NetConfig.validate("net.publish", "80:99999"))
        .hasMessageContaining("1..65535");
    assertThatThrownBy(() -> NetConfig.validate("net.publish", "80:81,80:82"))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> NetConfig.validate("net.rate", "20mb"))
        .hasMessageContaining("malformed rate");
    assertThatThrownBy(
            () ->
                NetConfig.from(
                    Map.of("net.mode", "bridge", "net.rate", "200mbit", "net.ceil", "100mbit")))
        .hasMessage("net.rate 200mbit is above net.ceil 100mbit");
    assertThatThrownBy(() -> NetConfig.from(Map.of("net.mode", "host-ip")))
        .hasMessage("net.mode=host-ip needs net.ip");
    assertThatThrownBy(() -> NetConfig.from(Map.of("net.publish", "80:80")))
        .hasMessageContaining("need net.mode=bridge");
  }

  @Test
  void subnetsParseOverlapAndAssign() {
    Subnet s = Subnet.parse("10.77.0.0/24");
    assertThat(s.gateway()).isEqualTo(Ipv4.parse("10.77.0.1"));
    assertThat(s.assignable(Ipv4.parse("10.77.0.2"))).isTrue();
    assertThat(s.assignable(Ipv4.parse("10.77.0.1"))).isFalse();
    assertThat(s.assignable(Ipv4.parse("10.77.0.255"))).isFalse();
    assertThat(s.assignable(Ipv4.parse("10.77.1.2"))).isFalse();
    assertThat(s.overlaps(Subnet.parse("10.0.0.0/8"))).isTrue();
    assertThat(s.overlaps(Subnet.parse("10.78.0.0/16"))).isFalse();
    assertThatThrownBy(() -> Subnet.parse("10.77.0.1/24")).hasMessageContaining("host bits set");
    assertThatThrownBy(() -> Subnet.parse("10.77.0.0/33")).hasMessageContaining("malformed");
    assertThatThrownBy(() -> Subnet.parse("10.77.0.0")).hasMessageContaining("malformed");
  }

  @Test
  void namesAreDerivedAndShort() {
    NetNames def = NetNames.of(java.nio.file.Path.of("/var/lib/jvs"));
    assertThat(def.bridge()).isEqualTo("jvs0");
    assertThat(def.table()).isEqualTo("jvs");
    NetNames test = NetNames.of(java.nio.file.Path.of("/tmp/jvs-it-1/root"));
    assertThat(test.bridge()).matches("jvsb[0-9a-f]{8}");
    assertThat(test.veth("a-very-long-guest-name")).hasSize(15).startsWith("jvs");
    assertThat(test.veth("web1")).isEqualTo(test.veth("web1")).isNotEqualTo(test.veth("web2"));
    assertThat(test.owns(test.veth("web1"))).isTrue();
    assertThat(def.owns(test.veth("web1"))).isFalse();
    assertThat(test.bridgeMac()).matches("02(:[0-9a-f]{2}){4}:01").isNotEqualTo(def.bridgeMac());
  }
}
