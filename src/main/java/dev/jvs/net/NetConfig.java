package dev.jvs.net;

import java.util.List;
import java.util.Map;

/**
 * A guest's network settings, from its `net.*` keys (docs/guest-config.md).
 *
 * @param mode how the guest is networked
 * @param ip its address (bridge: optional, allocated when null; host-ip: required)
 * @param publish host ports forwarded to the guest (bridge)
 * @param rate guaranteed egress in bits/s, 0 when unset (bridge)
 * @param ceil egress cap in bits/s, 0 when unset (bridge)
 * @param isolate whether other guests on the bridge are unreachable
 */
public record NetConfig(
    NetMode mode, Ipv4 ip, List<PortMapping> publish, long rate, long ceil, boolean isolate) {
  public static final NetConfig NONE = new NetConfig(NetMode.NONE, null, List.of(), 0, 0, false);

  public NetConfig {
    publish = List.copyOf(publish);
  }

  public boolean shaped() {
    return rate > 0 || ceil > 0;
  }

  /** Validates one `net.*` value as written in guest.conf; returns it normalized. */
  public static String validate(String key, String value) {
    String v = value.strip();
    switch (key) {
      case "net.mode" -> NetMode.parse(v);
      case "net.ip" -> ip(v);
      case "net.publish" -> PortMapping.parseList(v);
      case "net.rate", "net.ceil" -> Rate.parse(v);
      case "net.isolate" -> bool(v);
      default -> throw new IllegalArgumentException("unknown key");
    }
    return v;
  }

  /** The settings of a guest from its validated keys; throws when the keys contradict. */
  public static NetConfig from(Map<String, String> keys) {
    NetMode mode =
        keys.containsKey("net.mode") ? NetMode.parse(keys.get("net.mode")) : NetMode.NONE;
    Ipv4 ip = keys.containsKey("net.ip") ? ip(keys.get("net.ip")) : null;
    List<PortMapping> publish =
        keys.containsKey("net.publish")
            ? PortMapping.parseList(keys.get("net.publish"))
            : List.of();
    long rate = keys.containsKey("net.rate") ? Rate.parse(keys.get("net.rate")) : 0;
    long ceil = keys.containsKey("net.ceil") ? Rate.parse(keys.get("net.ceil")) : 0;
    boolean isolate = keys.containsKey("net.isolate") && bool(keys.get("net.isolate"));
    if (rate > 0 && ceil > 0 && rate > ceil) {
      throw new IllegalArgumentException(
          "net.rate " + keys.get("net.rate") + " is above net.ceil " + keys.get("net.ceil"));
    }
    boolean bridge = mode == NetMode.BRIDGE;
    if (mode == NetMode.HOST_IP && ip == null) {
      throw new IllegalArgumentException("net.mode=host-ip needs net.ip");
    }
    if (ip != null && !bridge && mode != NetMode.HOST_IP) {
      throw new IllegalArgumentException("net.ip needs net.mode=bridge or host-ip");
    }
    if (!bridge && (!publish.isEmpty() || rate > 0 || ceil > 0 || isolate)) {
      throw new IllegalArgumentException(
          "net.publish, net.rate, net.ceil and net.isolate need net.mode=bridge");
    }
    return new NetConfig(mode, ip, publish, rate, ceil, isolate);
  }

  /** "a.b.c.d" or "a.b.c.d/len" (the length is accepted for readability and ignored). */
  private static Ipv4 ip(String v) {
    int slash = v.indexOf('/');
    if (slash >= 0 && !v.substring(slash + 1).matches("\\d{1,2}")) {
      throw new IllegalArgumentException("malformed address '" + v + "' (expected a.b.c.d[/len])");
    }
    Ipv4 a = Ipv4.parse(slash < 0 ? v : v.substring(0, slash));
    if (a.isLoopback() || a.bits() == 0) {
      throw new IllegalArgumentException("address " + a + " cannot be a guest's");
    }
    return a;
  }

  private static boolean bool(String v) {
    return switch (v.strip()) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new IllegalArgumentException("expected true or false, found '" + v + "'");
    };
  }
}
