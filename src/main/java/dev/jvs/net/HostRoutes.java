package dev.jvs.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The host's IPv4 routes (main table, /proc/net/route), to refuse a subnet that overlaps one. */
final class HostRoutes {
  private HostRoutes() {}

  /** A route other than a default route and other than via {@code ownBridge} that overlaps. */
  static Optional<String> overlap(Subnet subnet, String ownBridge) {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/net/route"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 8 || f[0].equals(ownBridge)) {
        continue;
      }
      int dest = Integer.reverseBytes(Integer.parseUnsignedInt(f[1], 16));
      int mask = Integer.reverseBytes(Integer.parseUnsignedInt(f[7], 16));
      if (mask == 0) {
        continue;
      }
      Subnet route = new Subnet(new Ipv4(dest), Integer.bitCount(mask));
      if (route.overlaps(subnet)) {
        return Optional.of(route + " on " + f[0]);
      }
    }
    return Optional.empty();
  }
}
