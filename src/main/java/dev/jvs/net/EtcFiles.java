package dev.jvs.net;

import dev.jvs.base.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * /etc/hosts and /etc/resolv.conf of a bridge guest, written at each start into a directory jvs
 * owns (the guest's run directory), from where the guest's launch program binds them over the
 * guest's own (as Docker does). Never into the guest's private layer: that may be a filesystem only
 * the guest's mount namespace has (disk.space), and a guest can plant symlinks there.
 */
final class EtcFiles {
  /** The files, by name in /etc. */
  static final List<String> NAMES = List.of("hosts", "resolv.conf");

  private static final Set<PosixFilePermission> READABLE =
      PosixFilePermissions.fromString("rw-r--r--");

  private EtcFiles() {}

  static void write(Path etc, String hostname, Ipv4 ip, String ipv6, Ipv4 gateway) {
    try {
      Files.createDirectories(etc);
    } catch (IOException e) {
      throw new UncheckedIOException(etc + ": " + e.getMessage(), e);
    }
    write(
        etc.resolve("hosts"),
        "# written by jvs at each start (net.mode=bridge)\n"
            + "127.0.0.1\tlocalhost\n"
            + "::1\tlocalhost ip6-localhost ip6-loopback\n"
            + ip
            + "\t"
            + hostname
            + "\n"
            + ipv6
            + "\t"
            + hostname
            + "\n"
            + gateway
            + "\tjvs-host\n");
    write(etc.resolve("resolv.conf"), resolvConf());
  }

  /** Readable by every user in the guest, whatever the umask of the writing process. */
  private static void write(Path file, String content) {
    AtomicFiles.write(file, content);
    try {
      Files.setPosixFilePermissions(file, READABLE);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
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
