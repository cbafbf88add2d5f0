package dev.jvs.net;

import static dev.jvs.cgroup.EbpfAssembler.R0;
import static dev.jvs.cgroup.EbpfAssembler.R1;
import static dev.jvs.cgroup.EbpfAssembler.R2;
import static dev.jvs.cgroup.EbpfAssembler.R3;
import static dev.jvs.cgroup.EbpfAssembler.R4;
import static dev.jvs.cgroup.EbpfAssembler.R6;

import dev.jvs.cgroup.EbpfAssembler;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest's published ports on the host's ::1 as cgroup socket-address hooks (docs/networking.md,
 * "Published ports on ::1"): in the host's network namespace only, [::1]:HOSTPORT is rewritten to
 * [guest's ULA address]:GUESTPORT when a socket connects or sends, and back when a UDP socket
 * receives or any socket asks for its peer. The ports are constants in the code: no maps; the only
 * helper is bpf_get_netns_cookie.
 */
final class LoopbackIpv6Programs {
  // struct bpf_sock_addr (include/uapi/linux/bpf.h)
  private static final int USER_IP6 = 8;
  private static final int USER_PORT = 24;
  private static final int PROTOCOL = 36;
  private static final int HELPER_GET_NETNS_COOKIE = 122;
  private static final int IPPROTO_TCP = 6;
  private static final int IPPROTO_UDP = 17;
  private static final int[] LOOPBACK = {0, 0, 0, Integer.reverseBytes(1)};

  // enum bpf_attach_type
  static final int CONNECT6 = 11;
  static final int SENDMSG6 = 15;
  static final int RECVMSG6 = 20;
  static final int GETPEERNAME6 = 30;
  static final List<Integer> ATTACH_TYPES = List.of(CONNECT6, SENDMSG6, RECVMSG6, GETPEERNAME6);

  /** One hook: its attach type and program. */
  record Hook(int attachType, byte[] code) {}

  private LoopbackIpv6Programs() {}

  /**
   * The hooks for a guest's ports: connect and getpeername for every port, sendmsg and recvmsg
   * (unconnected UDP) only when a UDP port is published.
   */
  static List<Hook> hooks(long hostNetnsCookie, String guestIp6, List<PortMapping> publish) {
    int[] guest = words(guestIp6);
    List<Hook> hooks = new ArrayList<>();
    hooks.add(new Hook(CONNECT6, rewrite(hostNetnsCookie, publish, LOOPBACK, guest, true)));
    hooks.add(new Hook(GETPEERNAME6, rewrite(hostNetnsCookie, publish, guest, LOOPBACK, false)));
    List<PortMapping> udp = publish.stream().filter(p -> p.protocol().equals("udp")).toList();
    if (!udp.isEmpty()) {
      hooks.add(new Hook(SENDMSG6, rewrite(hostNetnsCookie, udp, LOOPBACK, guest, true)));
      hooks.add(new Hook(RECVMSG6, rewrite(hostNetnsCookie, udp, guest, LOOPBACK, false)));
    }
    return hooks;
  }

  /**
   * If the socket is in the host's namespace and its address is {@code from} with a mapped port
   * (the host port when {@code toGuest}, else the guest port) and protocol, the address becomes
   * {@code to} with the other port. Always allows (returns 1).
   */
  static byte[] rewrite(
      long netnsCookie, List<PortMapping> publish, int[] from, int[] to, boolean toGuest) {
    EbpfAssembler a = new EbpfAssembler().movReg(R6, R1);
    // Sockets of guests and other namespaces have their own ::1.
    a.call(HELPER_GET_NETNS_COOKIE)
        .jne32(R0, (int) netnsCookie, "pass")
        .rsh(R0, 32)
        .jne32(R0, (int) (netnsCookie >>> 32), "pass");
    for (int i = 0; i < 4; i++) {
      a.loadWord(R2, R6, USER_IP6 + 4 * i).jne32(R2, from[i], "pass");
    }
    a.loadWord(R3, R6, PROTOCOL).loadWord(R4, R6, USER_PORT);
    for (int i = 0; i < publish.size(); i++) {
      PortMapping p = publish.get(i);
      int match = toGuest ? p.hostPort() : p.guestPort();
      int replace = toGuest ? p.guestPort() : p.hostPort();
      String next = "next" + i;
      a.jne(R3, p.protocol().equals("udp") ? IPPROTO_UDP : IPPROTO_TCP, next)
          .jne32(R4, portLe(match), next);
      for (int w = 0; w < 4; w++) {
        a.mov32(R2, to[w]).storeWord(R6, USER_IP6 + 4 * w, R2);
      }
      a.mov32(R2, portLe(replace)).storeWord(R6, USER_PORT, R2).ja("pass").label(next);
    }
    return a.label("pass").mov(R0, 1).exit().assemble();
  }

  /** A port in network order as a u32 field holding it reads on a little-endian CPU. */
  static int portLe(int port) {
    return (port >> 8 & 0xff) | (port & 0xff) << 8;
  }

  /** An IPv6 address as the four u32 words of user_ip6 read on a little-endian CPU. */
  static int[] words(String ip6) {
    try {
      if (!(InetAddress.getByName(ip6) instanceof Inet6Address a)) {
        throw new IllegalArgumentException("not an IPv6 address: " + ip6);
      }
      ByteBuffer b = ByteBuffer.wrap(a.getAddress()).order(ByteOrder.LITTLE_ENDIAN);
      return new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt()};
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv6 address: " + ip6, e);
    }
  }
}
