package dev.jvs.api;

import dev.jvs.base.JvsException;
import java.net.InetSocketAddress;

/** `jvs serve --listen ADDR:PORT`: an IP address (IPv6 in brackets) and a port. */
public final class ListenAddress {
  private ListenAddress() {}

  /** The address, or null for null (no TCP listener). */
  public static InetSocketAddress parse(String text) {
    if (text == null) {
      return null;
    }
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new JvsException("--listen: '" + text + "' is not ADDR:PORT");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!host.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
      throw new JvsException("--listen: '" + host + "' is not an IP address");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new JvsException("--listen: '" + text.substring(colon + 1) + "' is not a port");
    }
    try {
      return new InetSocketAddress(java.net.InetAddress.getByName(host), port);
    } catch (java.net.UnknownHostException e) {
      throw new JvsException("--listen: '" + host + "' is not an IP address");
    }
  }
}
