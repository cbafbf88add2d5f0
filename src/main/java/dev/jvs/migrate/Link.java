package dev.jvs.migrate;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;

/** The network path from the source to a destination's API. */
final class Link {
  private Link() {}

  /** The destination's address. */
  static InetAddress address(URI api) {
    try {
      return InetAddress.getByName(api.getHost());
    } catch (IOException e) {
      throw new JvsException(api.getHost() + ": " + e.getMessage(), e);
    }
  }

  /**
   * This host's address on the route to {@code api}: the one the destination sees the source's
   * calls come from, and so may reach back (a connected UDP socket sends nothing).
   */
  static InetAddress localAddressToward(URI api) {
    try (DatagramSocket s = new DatagramSocket()) {
      s.connect(new InetSocketAddress(address(api), api.getPort()));
      InetAddress local = s.getLocalAddress();
      if (local.isAnyLocalAddress()) {
        throw new JvsException(api.getHost() + ": no route to it from here");
      }
      return local;
    } catch (IOException e) {
      throw new JvsException(api.getHost() + ": " + e.getMessage(), e);
    }
  }
}
