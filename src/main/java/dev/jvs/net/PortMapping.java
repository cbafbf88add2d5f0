package dev.jvs.net;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** One `net.publish` entry: host port to guest port, tcp or udp. */
public record PortMapping(int hostPort, int guestPort, String protocol) {
  /** "8080:80/tcp[,5353:53/udp…]"; the protocol defaults to tcp. */
  public static List<PortMapping> parseList(String value) {
    List<PortMapping> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      PortMapping m = parse(p);
      if (!seen.add(m.hostPort + "/" + m.protocol)) {
        throw new IllegalArgumentException(
            "host port " + m.hostPort + "/" + m.protocol + " published twice");
      }
      out.add(m);
    }
    return out;
  }

  static PortMapping parse(String s) {
    var m =
        java.util.regex.Pattern.compile("(\\d{1,5}):(\\d{1,5})(?:/(tcp|udp))?")
            .matcher(s.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "malformed port mapping '" + s + "' (expected HOSTPORT:GUESTPORT[/tcp|/udp])");
    }
    int host = port(m.group(1), s);
    int guest = port(m.group(2), s);
    return new PortMapping(host, guest, m.group(3) == null ? "tcp" : m.group(3));
  }

  private static int port(String digits, String s) {
    int p = Integer.parseInt(digits);
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("port " + p + " in '" + s + "' is not 1..65535");
    }
    return p;
  }

  @Override
  public String toString() {
    return hostPort + ":" + guestPort + "/" + protocol;
  }
}
