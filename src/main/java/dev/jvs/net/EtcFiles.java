package dev.jvs.net;

import dev.jvs.base.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * /etc/hosts and /etc/resolv.conf of a bridge guest, written into its private layer before it
 * starts (so they replace the template's copies, as Docker's do).
 */
final class EtcFiles {
  private EtcFiles() {}

  static void write(Path upper, String hostname, Ipv4 ip, String ipv6, Ipv4 gateway) {
    Path etc = upper.resolve("etc");
    try {
      Files.createDirectories(etc);
    } catch (IOException e) {
      throw new UncheckedIOException(etc + ": " + e.getMessage(), e);
    }
    AtomicFiles.write(etc.resolve("hosts"),
        "# written by jvs at each start (net.mode=bridge)\n"
            + "127.0.0.1\tlocalhost\n"
            + "::1\tlocalhost ip6-localhost ip6-loopback\n"
            + ip + "\t" + hostname + "\n"
            + ipv6 + "\t" + hostname + "\n"
            + gateway + "\tjvs-host\n");
    AtomicFiles.write(etc.resolve("resolv.conf"), resolvConf());
  }

  /** The host's nameservers, except loopback ones, which a guest's own stack cannot reach. */
  static String resolvConf() {
    StringBuilder out = new StringBuilder("# written by jvs at each start from the host's\n");
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/etc/resolv.conf"));
    } catch (IOException e) {
      lines = List.of();
    }
    for (String line : lines) {
      String[] f = line.strip().split("\\s+");
      boolean server = f.length >= 2 && f[0].equals("nameserver");
      if ((server && !f[1].startsWith("127.") && !f[1].equals("::1"))
          || (f.length >= 2 && (f[0].equals("search") || f[0].equals("options")))) {
        out.append(line.strip()).append('\n');
      }
    }
    return out.toString();
  }
}
