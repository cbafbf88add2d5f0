package dev.jvs.net;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jvs's own nft tables for one root (`inet` for NAT, published ports and the loopback guard,
 * `bridge` for isolation and source checks), never anyone else's. Each guest's rules carry the
 * comment "guest:NAME" and are found by it. ("ip" is the family the NAT table had before IPv6
 * publishing; it is still looked for so that an upgraded host's old table is removed.)
 */
final class NftTables {
  private static final Pattern HANDLE =
      Pattern.compile("comment \"guest:([^\"]+)\" # handle (\\d+)");
  private static final Pattern DPORT = Pattern.compile("(tcp|udp) dport (\\d+) ");
  private static final List<String> FAMILIES = List.of("ip", "inet", "bridge");

  private final String table;

  NftTables(NetNames names) {
    this.table = names.table();
  }

  /** Whether any table exists (false too when nft is not installed: then none can). */
  boolean exist() {
    try {
      for (String family : FAMILIES) {
        if (NetTools.tryRun(null, "nft", "list", "table", family, table).code() == 0) {
          return true;
        }
      }
      return false;
    } catch (NetException e) {
      return false;
    }
  }

  /**
   * Creates both tables with their base chains: the subnet's masquerade, the masquerade of
   * published connections that came from the host's loopback or from a guest (hairpin), and the
   * guard that keeps the bridge's route_localnet from opening the host's loopback to guests.
   */
  void create(Subnet subnet, String ula, String bridge) {
    delete();
    String br = "\"" + bridge + "\"";
    NetTools.nft(
        "table inet "
            + table
            + " {\n"
            + "  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
            + "  chain output { type nat hook output priority -100; policy accept; }\n"
            + "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
            // A guest's TCP connection first seen mid-stream (restored from a checkpoint or
            // migrated here, conntrack knows nothing of it) keeps the guest's address: masked,
            // it would reach its peer from another one and be reset.
            + "    ip saddr "
            + subnet
            + " oifname != "
            + br
            + " tcp flags & (syn | ack) != syn return\n"
            + "    ip saddr "
            + subnet
            + " oifname != "
            + br
            + " masquerade\n"
            + "    oifname "
            + br
            + " ct status dnat ip saddr { 127.0.0.0/8, "
            + subnet
            + " } masquerade\n"
            + "    oifname "
            + br
            + " ct status dnat ip6 saddr { ::1, "
            + ula
            + "/64 } masquerade\n"
            + "  }\n"
            + "  chain guard { type filter hook prerouting priority raw; policy accept;\n"
            + "    iifname "
            + br
            + " ip daddr 127.0.0.0/8 drop\n"
            + "    iifname "
            + br
            + " ip saddr 127.0.0.0/8 drop\n"
            + "  }\n"
            + "}\n"
            + "table bridge "
            + table
            + " {\n"
            + "  chain prerouting { type filter hook prerouting priority 0; policy accept; }\n"
            + "  chain forward { type filter hook forward priority 0; policy accept; }\n"
            + "}\n");
  }

  void delete() {
    for (String family : FAMILIES) {
      if (NetTools.tryRun(null, "nft", "list", "table", family, table).code() == 0) {
        NetTools.run("nft", "delete", "table", family, table);
      }
    }
  }

  /**
   * A guest's published ports (from other hosts, from this one, its loopback included, over IPv4
   * and IPv6), its source-address check and its isolation.
   */
  void addGuest(
      String guest, Ipv4 ip, String ip6, String veth, List<PortMapping> publish, boolean isolate) {
    StringBuilder s = new StringBuilder();
    String tag = " comment \"guest:" + guest + "\"\n";
    String inet = "add rule inet " + table + " ";
    String bridge = "add rule bridge " + table + " ";
    String port = "iifname \"" + veth + "\" ";
    for (PortMapping p : publish) {
      String match = "fib daddr type local " + p.protocol() + " dport " + p.hostPort();
      String dnat = " dnat ip to " + ip + ":" + p.guestPort();
      String dnat6 = " dnat ip6 to [" + ip6 + "]:" + p.guestPort();
      s.append(inet).append("prerouting meta nfproto ipv4 ").append(match).append(dnat).append(tag);
      s.append(inet).append("output meta nfproto ipv4 ").append(match).append(dnat).append(tag);
      s.append(inet).append("output meta nfproto ipv6 ").append(match).append(dnat6).append(tag);
    }
    // What leaves the guest's veth carries the guest's own source address: a guest holding
    // NET_RAW in its namespace cannot forge another (ARP and link-local IPv6 stay its own).
    s.append(bridge)
        .append("prerouting ")
        .append(port)
        .append("ether type ip ip saddr != ")
        .append(ip)
        .append(" drop")
        .append(tag);
    s.append(bridge)
        .append("prerouting ")
        .append(port)
        .append("ether type ip6 ip6 saddr != { ")
        .append(ip6)
        .append(", fe80::/10, :: } drop")
        .append(tag);
    if (isolate) {
      s.append(bridge).append("forward ").append(port).append("drop").append(tag);
      s.append(bridge).append("forward oifname \"").append(veth).append("\" drop").append(tag);
    }
    NetTools.nft(s.toString());
  }

  /** Deletes every rule of the guest (idempotent). */
  void removeGuest(String guest) {
    StringBuilder s = new StringBuilder();
    for (String family : FAMILIES) {
      NetTools.Result r = NetTools.tryRun(null, "nft", "-a", "list", "table", family, table);
      if (r.code() != 0) {
        continue;
      }
      String chain = null;
      for (String line : r.output().lines().toList()) {
        String t = line.strip();
        if (t.startsWith("chain ")) {
          chain = t.split("\\s+")[1];
        }
        Matcher m = HANDLE.matcher(t);
        if (m.find() && m.group(1).equals(guest) && chain != null) {
          s.append("delete rule ")
              .append(family)
              .append(' ')
              .append(table)
              .append(' ')
              .append(chain)
              .append(" handle ")
              .append(m.group(2))
              .append('\n');
        }
      }
    }
    if (!s.isEmpty()) {
      NetTools.nft(s.toString());
    }
  }

  /** "8080/tcp" → guest, for every port published by a guest other than {@code except}. */
  List<String> publishedBy(String except, PortMapping p) {
    List<String> owners = new ArrayList<>();
    NetTools.Result r =
        NetTools.tryRun(null, "nft", "-a", "list", "chain", "inet", table, "prerouting");
    if (r.code() != 0) {
      return owners;
    }
    for (String line : r.output().lines().toList()) {
      Matcher port = DPORT.matcher(line);
      Matcher owner = HANDLE.matcher(line);
      if (port.find()
          && owner.find()
          && port.group(1).equals(p.protocol())
          && Integer.parseInt(port.group(2)) == p.hostPort()
          && !owner.group(1).equals(except)) {
        owners.add(owner.group(1));
      }
    }
    return owners;
  }
}
