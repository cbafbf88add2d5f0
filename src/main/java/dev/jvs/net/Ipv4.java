package dev.jvs.net;

/** An IPv4 address as an unsigned 32-bit value in host order (10.0.0.1 is 0x0a000001). */
public record Ipv4(int bits) implements Comparable<Ipv4> {
  public static Ipv4 parse(String s) {
    String[] parts = s.strip().split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("malformed address '" + s + "' (expected a.b.c.d)");
    }
    int bits = 0;
    for (String p : parts) {
      if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
        throw new IllegalArgumentException("malformed address '" + s + "' (expected a.b.c.d)");
      }
      bits = bits << 8 | Integer.parseInt(p);
    }
    return new Ipv4(bits);
  }

  public Ipv4 plus(int n) {
    return new Ipv4(bits + n);
  }

  public boolean isLoopback() {
    return (bits >>> 24) == 127;
  }

  /** The address as the kernel stores it in a u32 field read on a little-endian CPU. */
  public int networkOrderLe() {
    return Integer.reverseBytes(bits);
  }

  @Override
  public int compareTo(Ipv4 o) {
    return Integer.compareUnsigned(bits, o.bits);
  }

  @Override
  public String toString() {
    return (bits >>> 24)
        + "."
        + (bits >>> 16 & 255)
        + "."
        + (bits >>> 8 & 255)
        + "."
        + (bits & 255);
  }
}
