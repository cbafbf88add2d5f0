package dev.jvs.net;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jvs's own nft tables for one root (`ip` for NAT and published ports, `bridge` for isolation),
 * never anyone else's. Each guest's rules carry the comment "guest:NAME" and are found by it.
 */
final class NftTables {
  private static final Pattern HANDLE =
      Pattern.compile("comment \"guest:([^\"]+)\" # handle (\\d+)");
  private static final Pattern DPORT = Pattern.compile("(tcp|udp) dport (\\d+) ");

  private final String table;

  NftTables(NetNames names) {
    this.table = names.table();
  }

  /** Whether either table exists (false too when nft is not installed: then none can). */
  boolean exist() {
    try {
      for (String family : List.of("ip", "bridge")) {
        if (NetTools.tryRun(null, "nft", "list", "table", family, table).code() == 0) {
          return true;
        }
      }
      return false;
    } catch (NetException e) {
      return false;
    }
  }

  /** Creates both tables with their base chains and the subnet's masquerade rule. */
  void create(Subnet subnet, String bridge) {
    delete();
    NetTools.nft(
        "table ip "
            + table
            + " {\n"
            + "  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
            + "  chain output { type nat hook output priority -100; policy accept; }\n"
            + "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
            + "    ip saddr "
            + subnet
            + " oifname != \""
            + bridge
            + "\" masquerade\n"
            + "  }\n"
            + "}\n"
            + "table bridge "
            + table
            + " {\n"
            + "  chain forward { type filter hook forward priority 0; policy accept; }\n"
            + "}\n");
  }

  void delete() {
    for (String family : List.of("ip", "bridge")) {
      if (NetTools.tryRun(null, "nft", "list", "table", family, table).code() == 0) {
        NetTools.run("nft", "delete", "table", family, table);
      }
    }
  }

  /** A guest's published ports (from other hosts and from this one) and its isolation. */
  void addGuest(String guest, Ipv4 ip, String veth, List<PortMapping> publish, boolean isolate) {
    StringBuilder s = new StringBuilder();
    String tag = " comment \"guest:" + guest + "\"\n";
    for (PortMapping p : publish) {
      String match = "fib daddr type local " + p.protocol() + " dport " + p.hostPort();
      String dnat = " dnat to " + ip + ":" + p.guestPort();
      s.append("add rule ip ")
          .append(table)
          .append(" prerouting ")
          .append(match)
          .append(dnat)
          .append(tag);
      s.append("add rule ip ")
          .append(table)
          .append(" output ")
          .append(match)
          .append(dnat)
          .append(tag);
    }
    if (isolate) {
      s.append("add rule bridge ")
          .append(table)
          .append(" forward iifname \"")
          .append(veth)
          .append("\" drop")
          .append(tag);
      s.append("add rule bridge ")
          .append(table)
          .append(" forward oifname \"")
          .append(veth)
          .append("\" drop")
          .append(tag);
    }
    if (!s.isEmpty()) {
      NetTools.nft(s.toString());
    }
  }

  /** Deletes every rule of the guest (idempotent). */
  void removeGuest(String guest) {
    StringBuilder s = new StringBuilder();
    for (String family : List.of("ip", "bridge")) {
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
        NetTools.tryRun(null, "nft", "-a", "list", "chain", "ip", table, "prerouting");
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
