package dev.jvs.net;

/** An IPv4 prefix such as 10.77.0.0/24; the host bits of {@code base} are zero. */
public record Subnet(Ipv4 base, int prefix) {
  public Subnet {
    if (prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("prefix length " + prefix + " is not 0..32");
    }
  }

  /** "a.b.c.d/p"; host bits must be zero. */
  public static Subnet parse(String s) {
    int slash = s.indexOf('/');
    if (slash < 0 || !s.substring(slash + 1).matches("\\d{1,2}")) {
      throw new IllegalArgumentException("malformed subnet '" + s + "' (expected a.b.c.d/len)");
    }
    Ipv4 base = Ipv4.parse(s.substring(0, slash));
    int prefix = Integer.parseInt(s.substring(slash + 1));
    if (prefix > 32) {
      throw new IllegalArgumentException("malformed subnet '" + s + "' (length above 32)");
    }
    Subnet net = new Subnet(base, prefix);
    if (net.network().bits() != base.bits()) {
      throw new IllegalArgumentException(
          "malformed subnet '"
              + s
              + "' (host bits set; did you mean "
              + net.network()
              + "/"
              + prefix
              + "?)");
    }
    return net;
  }

  public int mask() {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  public Ipv4 network() {
    return new Ipv4(base.bits() & mask());
  }

  public Ipv4 broadcast() {
    return new Ipv4(base.bits() | ~mask());
  }

  /** The host's address on the bridge: the first one. */
  public Ipv4 gateway() {
    return network().plus(1);
  }

  public long size() {
    return 1L << (32 - prefix);
  }

  public boolean contains(Ipv4 a) {
    return (a.bits() & mask()) == (base.bits() & mask());
  }

  /** Whether {@code a} may be a guest's address: inside, not network, broadcast or gateway. */
  public boolean assignable(Ipv4 a) {
    return contains(a) && !a.equals(network()) && !a.equals(broadcast()) && !a.equals(gateway());
  }

  public boolean overlaps(Subnet o) {
    int m = prefix < o.prefix ? mask() : o.mask();
    return (base.bits() & m) == (o.base.bits() & m);
  }

  @Override
  public String toString() {
    return base + "/" + prefix;
  }
}
