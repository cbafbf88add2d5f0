package dev.jvs.api;

import dev.jvs.kernel.KernelFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every host interface's byte and packet counters from one read of /proc/net/dev, which shows the
 * same figures as /sys/class/net/NAME/statistics (both ask the driver): one file for all guests'
 * veths instead of four per guest.
 */
final class VethCounters {
  private static final Path NET_DEV = Path.of("/proc/net/dev");
  private static final Pattern BLANKS = Pattern.compile("\\s+");

  private VethCounters() {}

  /**
   * Interface name to its rx bytes, rx packets, tx bytes and tx packets, as the host sees them;
   * empty when the file cannot be read.
   */
  static Map<String, long[]> read() {
    String text = KernelFiles.readIfExists(NET_DEV);
    return text == null ? Map.of() : parse(text);
  }

  /**
   * " NAME: rx_bytes rx_packets errs drop fifo frame compressed multicast tx_bytes tx_packets …",
   * after two header lines.
   */
  static Map<String, long[]> parse(String text) {
    Map<String, long[]> counters = new HashMap<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue; // a header line
      }
      String[] f = BLANKS.split(line.substring(colon + 1).strip());
      if (f.length < 10) {
        continue;
      }
      try {
        counters.put(
            line.substring(0, colon).strip(),
            new long[] {
              Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[8]), Long.parseLong(f[9])
            });
      } catch (NumberFormatException e) {
        // not a counter line
      }
    }
    return counters;
  }
}
