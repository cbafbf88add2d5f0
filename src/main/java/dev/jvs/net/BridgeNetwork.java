package dev.jvs.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * bridge mode: eth0 of the guest's own stack is one end of a veth pair whose other end is a port of
 * the root's bridge; the host masquerades the subnet and forwards published ports. The bridge and
 * tables exist while at least one guest uses them.
 */
final class BridgeNetwork {
  private final NetNames names;
  private final NftTables nft;
  private final Shaper shaper;
  private LoopbackIpv6Publish loopback6;

  BridgeNetwork(NetNames names) {
    this.names = names;
    this.nft = new NftTables(names);
    this.shaper = new Shaper(names);
  }

  /** Looked up on first use: most commands plumb nothing. */
  private LoopbackIpv6Publish loopback6() {
    if (loopback6 == null) {
      loopback6 = LoopbackIpv6Publish.onHost();
    }
    return loopback6;
  }

  /** Checks what can be checked before anything is created: the subnet and published ports. */
  void check(String guest, HostNetConfig host, NetConfig config) {
    HostRoutes.overlap(host.subnet(), names.bridge())
        .ifPresent(
            r -> {
              throw new NetException(
                  "net.conf: subnet " + host.subnet() + " overlaps the host's route " + r);
            });
    for (PortMapping p : config.publish()) {
      List<String> owners = nft.publishedBy(guest, p);
      if (!owners.isEmpty()) {
        throw new NetException(
            "net.publish: host port "
                + p.hostPort()
                + "/"
                + p.protocol()
                + " is already published by guest "
                + owners.getFirst());
      }
      if (!free(p)) {
        throw new NetException(
            "net.publish: host port "
                + p.hostPort()
                + "/"
                + p.protocol()
                + " is already in use on the host");
      }
    }
  }

  void plumb(
      String guest,
      String hostname,
      HostNetConfig host,
      NetConfig config,
      Ipv4 ip,
      long pid,
      Path etc,
      Optional<String> mac) {
    Subnet subnet = host.subnet();
    String bridge = ensureBridge(subnet);
    String veth = names.veth(guest);
    if (Links.exists(veth)) {
      NetTools.ip(List.of("link del " + veth));
    }
    String address = mac.map(m -> " address " + m).orElse(""); // a restored eth0 keeps its own
    NetTools.ip(
        List.of(
            "link add " + veth + " type veth peer name eth0" + address + " netns " + pid,
            "link set " + veth + " master " + bridge,
            "link set " + veth + " up"));
    NetTools.ipIn(
        pid,
        List.of(
            "addr add " + ip + "/" + subnet.prefix() + " dev eth0",
            "addr add " + ipv6(subnet, ip) + "/64 dev eth0 nodad",
            "link set eth0 up",
            "link set lo up",
            "route add default via " + subnet.gateway(),
            "route add ::/0 via " + names.ula() + "1"));
    guestSysctls(pid);
    nft.addGuest(guest, ip, ipv6(subnet, ip), veth, config.publish(), config.isolate());
    loopback6().attach(veth, ipv6(subnet, ip), config.publish());
    if (config.shaped()) {
      shaper.shape(veth, subnet, ip, config.rate(), config.ceil(), host.bandwidth());
    }
    EtcFiles.write(etc, hostname, ip, ipv6(subnet, ip), subnet.gateway());
  }

  /**
   * Before criu restores a checkpointed guest holding {@code ip}: everything of {@link #plumb}
   * outside the guest's namespace but its veth (bridge, tables, the guest's rules, /etc files).
   * criu recreates the namespace with eth0, its addresses and routes, as dumped; returns criu's
   * argument that makes the pair's host end the guest's veth, a port of the bridge. In a user
   * namespace criu cannot make that pair (criu 4.2.1 hands its usernsd a request naming the host's
   * namespace by an fd of another process; the kernel answers EOPNOTSUPP): the pair is made here,
   * its host end on the bridge, and criu moves the other end in as eth0 (its {@code netdev[]}).
   */
  String prepareRestore(
      String guest,
      String hostname,
      HostNetConfig host,
      NetConfig config,
      Ipv4 ip,
      Path etc,
      boolean userNamespace) {
    Subnet subnet = host.subnet();
    String bridge = ensureBridge(subnet);
    String veth = names.veth(guest);
    if (Links.exists(veth)) {
      NetTools.ip(List.of("link del " + veth));
    }
    // the rules name the veth, not its index: they hold for the link criu is about to create
    nft.addGuest(guest, ip, ipv6(subnet, ip), veth, config.publish(), config.isolate());
    EtcFiles.write(etc, hostname, ip, ipv6(subnet, ip), subnet.gateway());
    if (userNamespace) {
      String peer = names.restorePeer(guest);
      if (Links.exists(peer)) {
        NetTools.ip(List.of("link del " + peer)); // a pair left by a killed restore
      }
      NetTools.ip(
          List.of(
              "link add " + veth + " type veth peer name " + peer,
              "link set " + veth + " master " + bridge,
              "link set " + veth + " up"));
      return "netdev[eth0]:" + peer;
    }
    return "veth[eth0]:" + veth + "@" + bridge;
  }

  /** After criu restored the guest: what needs its veth and namespace to exist. */
  void completeRestore(String guest, HostNetConfig host, NetConfig config, Ipv4 ip, long pid) {
    guestSysctls(pid);
    if (config.shaped()) {
      shaper.shape(
          names.veth(guest), host.subnet(), ip, config.rate(), config.ceil(), host.bandwidth());
    }
  }

  /** ICMP echo sockets for every group of the guest, as Docker sets it: ping without NET_RAW. */
  private static void guestSysctls(long pid) {
    NetTools.sysctlIn(pid, "net.ipv4.ping_group_range", NetTools.allGroupsOf(pid));
  }

  /** Creates the bridge, its tables and forwarding when no guest has yet; returns its name. */
  private String ensureBridge(Subnet subnet) {
    String bridge = names.bridge();
    if (!Links.exists(bridge)) {
      NetTools.ip(
          List.of(
              "link add " + bridge + " address " + names.bridgeMac() + " type bridge",
              "addr add " + subnet.gateway() + "/" + subnet.prefix() + " dev " + bridge,
              "addr add " + names.ula() + "1/64 dev " + bridge + " nodad",
              "link set " + bridge + " up"));
      // Published ports through 127.0.0.1: a DNATed loopback connection leaves by the bridge
      // only with route_localnet on it (the nft guard keeps guests from using it the other way).
      NetTools.run("sysctl", "-q", "-w", "net.ipv4.conf." + bridge + ".route_localnet=1");
      nft.create(subnet, names.ula(), bridge);
      IpForward.enable();
    }
    return bridge;
  }

  /** The guest's IPv6 address in the root's ULA prefix (guest-to-guest and guest-to-host). */
  String ipv6(Subnet subnet, Ipv4 ip) {
    return names.ula() + Integer.toHexString(ip.bits() - subnet.network().bits());
  }

  void unplumb(String guest, HostNetConfig host, Optional<Ipv4> ip) {
    loopback6().detach(names.veth(guest)); // they live on the cgroup root, not on the bridge
    if (!Links.exists(names.bridge())) {
      return; // nothing of the guest can be left without the bridge (gc removes stray tables)
    }
    String veth = names.veth(guest);
    if (Links.exists(veth)) {
      NetTools.tryRun(null, "ip", "link", "del", veth); // gone already if its namespace died
    }
    nft.removeGuest(guest);
    ip.filter(host.subnet()::contains).ifPresent(a -> shaper.unshape(host.subnet(), a));
  }

  /**
   * Removes the bridge, its tables and the shaper once no guest is on the bridge. Without a bridge,
   * only a {@code thorough} pass (jvs gc) looks for tables a crash left, which costs an nft
   * process; stop and failed starts of guests that never had a bridge spawn nothing.
   */
  List<String> gc(boolean thorough) {
    List<String> removed = new ArrayList<>();
    if (thorough) {
      loopback6()
          .detachWhere(
              n -> n.length() == 15 && n.startsWith(names.vethPrefix()) && !Links.exists(n))
          .forEach(n -> removed.add("::1 port hooks " + n));
    }
    String bridge = names.bridge();
    boolean had = Links.exists(bridge);
    if (had && Links.ports(bridge) == 0) {
      NetTools.ip(List.of("link del " + bridge));
      removed.add("link " + bridge);
    }
    if (!Links.exists(bridge) && (had || thorough)) {
      if (nft.exist()) {
        nft.delete();
        removed.add("nft table " + names.table());
      }
      removed.addAll(shaper.remove());
      if (IpForward.restoreIfLast()) {
        removed.add("ip_forward restored");
      }
    }
    return removed;
  }

  /** Whether nothing on the host has the port bound (checked by binding it for a moment). */
  private static boolean free(PortMapping p) {
    try {
      if (p.protocol().equals("udp")) {
        new DatagramSocket(new InetSocketAddress(p.hostPort())).close();
      } else {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(p.hostPort()));
        }
      }
      return true;
    } catch (SocketException e) {
      return false;
    } catch (IOException e) {
      return false;
    }
  }
}
