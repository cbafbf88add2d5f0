package dev.jvs.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Host-wide network settings of one JVS_ROOT, from $JVS_ROOT/net.conf (`key = value` lines): {@code
 * subnet} of the bridge (default 10.77.0.0/24) and {@code bandwidth}, the egress capacity HTB
 * shares between shaped guests (default 1gbit).
 */
public record HostNetConfig(Subnet subnet, long bandwidth) {
  public static final String FILE_NAME = "net.conf";
  public static final HostNetConfig DEFAULT =
      new HostNetConfig(Subnet.parse("10.77.0.0/24"), 1_000_000_000L);

  public static HostNetConfig read(Path root) {
    Path file = root.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return DEFAULT;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
    Subnet subnet = DEFAULT.subnet;
    long bandwidth = DEFAULT.bandwidth;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      String where = file + ":" + (i + 1);
      if (eq <= 0) {
        throw new NetException(where + ": expected 'key = value', found '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      try {
        switch (key) {
          case "subnet" -> subnet = guestSubnet(value);
          case "bandwidth" -> bandwidth = Rate.parse(value);
          default -> throw new IllegalArgumentException("unknown key");
        }
      } catch (IllegalArgumentException e) {
        throw new NetException(where + ": " + key + ": " + e.getMessage());
      }
    }
    return new HostNetConfig(subnet, bandwidth);
  }

  private static Subnet guestSubnet(String value) {
    Subnet s = Subnet.parse(value);
    if (s.prefix() < 8 || s.prefix() > 29) {
      throw new IllegalArgumentException("subnet " + s + " must have a length of 8..29");
    }
    if (s.network().isLoopback()) {
      throw new IllegalArgumentException("subnet " + s + " is loopback");
    }
    return s;
  }
}
