package dev.jvs.net;

import java.util.List;

/**
 * HTB egress shaping of bridge guests: a guest's traffic enters the host on its veth, whose ingress
 * redirects it to the root's ifb link, where one HTB tree (classifying by the guest's source
 * address) shares {@code bandwidth}: each guest gets its net.rate, may borrow up to its net.ceil,
 * and unreserved bandwidth is shared equally (the same quantum for every class).
 */
final class Shaper {
  private static final int QUANTUM = 60000;
  private static final long DEFAULT_RATE = 1_000_000L;

  private final NetNames names;

  Shaper(NetNames names) {
    this.names = names;
  }

  /** The guest's HTB class minor, from its address: unique within a subnet of /16 or longer. */
  static int minor(Subnet subnet, Ipv4 ip) {
    return 2 + ((ip.bits() - subnet.network().bits()) & 0x7fff);
  }

  void shape(String veth, Subnet subnet, Ipv4 ip, long rate, long ceil, long bandwidth) {
    String ifb = names.ifb();
    if (!Links.exists(ifb)) {
      NetTools.ip(List.of("link add " + ifb + " type ifb", "link set " + ifb + " up"));
      NetTools.run("tc", "qdisc", "add", "dev", ifb, "root", "handle", "1:", "htb");
      NetTools.run(
          "tc",
          "class",
          "add",
          "dev",
          ifb,
          "parent",
          "1:",
          "classid",
          "1:1",
          "htb",
          "rate",
          Rate.tc(bandwidth),
          "ceil",
          Rate.tc(bandwidth));
    }
    long c = ceil > 0 ? Math.min(ceil, bandwidth) : bandwidth;
    long r = rate > 0 ? Math.min(rate, c) : Math.min(DEFAULT_RATE, c);
    String classid = "1:" + Integer.toHexString(minor(subnet, ip));
    String prio = Integer.toString(minor(subnet, ip));
    unshape(subnet, ip);
    NetTools.run(
        "tc",
        "class",
        "add",
        "dev",
        ifb,
        "parent",
        "1:1",
        "classid",
        classid,
        "htb",
        "rate",
        Rate.tc(r),
        "ceil",
        Rate.tc(c),
        "quantum",
        Integer.toString(QUANTUM));
    // Classified by source address: on the veth's ingress it is still the guest's own (pre-NAT).
    NetTools.run(
        "tc",
        "filter",
        "add",
        "dev",
        ifb,
        "parent",
        "1:",
        "prio",
        prio,
        "protocol",
        "ip",
        "u32",
        "match",
        "ip",
        "src",
        ip + "/32",
        "flowid",
        classid);
    NetTools.run("tc", "qdisc", "add", "dev", veth, "handle", "ffff:", "ingress");
    NetTools.run(
        "tc",
        "filter",
        "add",
        "dev",
        veth,
        "parent",
        "ffff:",
        "protocol",
        "all",
        "u32",
        "match",
        "u32",
        "0",
        "0",
        "action",
        "mirred",
        "egress",
        "redirect",
        "dev",
        ifb);
  }

  /** Removes the guest's class (its veth's ingress qdisc goes with the veth). */
  void unshape(Subnet subnet, Ipv4 ip) {
    if (Links.exists(names.ifb())) {
      int minor = minor(subnet, ip);
      NetTools.tryRun(
          null,
          "tc",
          "filter",
          "del",
          "dev",
          names.ifb(),
          "parent",
          "1:",
          "prio",
          Integer.toString(minor));
      NetTools.tryRun(
          null,
          "tc",
          "class",
          "del",
          "dev",
          names.ifb(),
          "classid",
          "1:" + Integer.toHexString(minor));
    }
  }

  List<String> remove() {
    if (Links.exists(names.ifb())) {
      NetTools.ip(List.of("link del " + names.ifb()));
      return List.of("link " + names.ifb());
    }
    return List.of();
  }
}
