package dev.jvs.net;

import static dev.jvs.cgroup.EbpfAssembler.R0;
import static dev.jvs.cgroup.EbpfAssembler.R1;
import static dev.jvs.cgroup.EbpfAssembler.R10;
import static dev.jvs.cgroup.EbpfAssembler.R2;
import static dev.jvs.cgroup.EbpfAssembler.R3;
import static dev.jvs.cgroup.EbpfAssembler.R4;
import static dev.jvs.cgroup.EbpfAssembler.R6;

import dev.jvs.cgroup.EbpfAssembler;
import java.util.List;

/**
 * The VServer network context as cgroup socket hooks (DESIGN 8, docs/networking.md): the guest
 * binds and connects only with its own IPv4 address; 0.0.0.0 and 127.0.0.0/8 are narrowed to it;
 * IPv6 sockets cannot be created. No maps; bpf_bind is the only helper.
 */
final class HostIpPrograms {
  // struct bpf_sock_addr (include/uapi/linux/bpf.h)
  private static final int USER_IP4 = 4;
  private static final int MSG_SRC_IP4 = 40;
  // struct bpf_sock
  private static final int SOCK_FAMILY = 4;
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;
  private static final int HELPER_BIND = 64;

  static final int PROG_TYPE_CGROUP_SOCK = 9;
  static final int PROG_TYPE_CGROUP_SOCK_ADDR = 18;

  /** One hook: where it attaches and its program. */
  record Hook(String name, int progType, int attachType, byte[] code) {}

  private HostIpPrograms() {}

  static List<Hook> hooks(Ipv4 ip) {
    return List.of(
        new Hook("jvs_bind4", PROG_TYPE_CGROUP_SOCK_ADDR, 8, bind4(ip)),
        new Hook("jvs_connect4", PROG_TYPE_CGROUP_SOCK_ADDR, 10, connect4(ip)),
        new Hook("jvs_sendmsg4", PROG_TYPE_CGROUP_SOCK_ADDR, 14, sendmsg4(ip)),
        new Hook("jvs_sock_create", PROG_TYPE_CGROUP_SOCK, 2, denyIpv6()));
  }

  /** bind: own address allowed; 0.0.0.0 and 127/8 rewritten to it; anything else EPERM. */
  static byte[] bind4(Ipv4 ip) {
    int own = ip.networkOrderLe();
    return new EbpfAssembler()
        .movReg(R6, R1)
        .loadWord(R2, R6, USER_IP4)
        .jeq32(R2, own, "allow")
        .jeq32(R2, 0, "rewrite")
        .movReg(R3, R2)
        .and(R3, 0xff) // first octet, as the address is in network order
        .jeq(R3, 127, "rewrite")
        .mov(R0, 0)
        .exit()
        .label("rewrite")
        .mov32(R4, own)
        .storeWord(R6, USER_IP4, R4)
        .label("allow")
        .mov(R0, 1)
        .exit()
        .assemble();
  }

  /**
   * connect: 127/8 means the guest itself; then the socket is bound to the guest's address
   * (bpf_bind, port left to connect) so an unbound connect cannot use the host's source address.
   */
  static byte[] connect4(Ipv4 ip) {
    int own = ip.networkOrderLe();
    return new EbpfAssembler()
        .movReg(R6, R1)
        .loadWord(R2, R6, USER_IP4)
        .and(R2, 0xff)
        .jne(R2, 127, "bind")
        .mov32(R4, own)
        .storeWord(R6, USER_IP4, R4)
        .label("bind")
        .storeWordImm(R10, -16, AF_INET) // sin_family = AF_INET, sin_port = 0
        .storeWordImm(R10, -12, own)
        .storeWordImm(R10, -8, 0)
        .storeWordImm(R10, -4, 0)
        .movReg(R1, R6)
        .movReg(R2, R10)
        .addImm(R2, -16)
        .mov(R3, 16)
        .call(HELPER_BIND) // fails harmlessly when already bound (to the own address)
        .mov(R0, 1)
        .exit()
        .assemble();
  }

  /** Unconnected UDP send: 127/8 means the guest; the source must be, and becomes, its address. */
  static byte[] sendmsg4(Ipv4 ip) {
    int own = ip.networkOrderLe();
    return new EbpfAssembler()
        .movReg(R6, R1)
        .mov32(R4, own)
        .loadWord(R2, R6, USER_IP4)
        .and(R2, 0xff)
        .jne(R2, 127, "source")
        .storeWord(R6, USER_IP4, R4)
        .label("source")
        .loadWord(R2, R6, MSG_SRC_IP4)
        .jeq32(R2, own, "allow")
        .jeq32(R2, 0, "set")
        .mov(R0, 0)
        .exit()
        .label("set")
        .storeWord(R6, MSG_SRC_IP4, R4)
        .label("allow")
        .mov(R0, 1)
        .exit()
        .assemble();
  }

  /** socket(AF_INET6, …) fails with EPERM: the context has no IPv6 address. */
  static byte[] denyIpv6() {
    return new EbpfAssembler()
        .loadWord(R2, R1, SOCK_FAMILY)
        .jeq(R2, AF_INET6, "deny")
        .mov(R0, 1)
        .exit()
        .label("deny")
        .mov(R0, 0)
        .exit()
        .assemble();
  }
}
