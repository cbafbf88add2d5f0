package dev.jvs.net;

import java.nio.file.Files;
import java.nio.file.Path;

/** Looks at links through sysfs, which costs no process. */
final class Links {
  private static final Path NET = Path.of("/sys/class/net");

  private Links() {}

  static boolean exists(String link) {
    return Files.exists(NET.resolve(link));
  }

  /** How many ports a bridge has. */
  static int ports(String bridge) {
    try (var s = Files.list(NET.resolve(bridge).resolve("brif"))) {
      return (int) s.count();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  /** Whether any bridge whose name starts with "jvs" exists (any jvs root). */
  static boolean anyJvsBridge() {
    try (var s = Files.list(NET)) {
      // jvsh* only hold host-ip addresses and need no forwarding
      return s.anyMatch(
          p ->
              p.getFileName().toString().startsWith("jvs")
                  && !p.getFileName().toString().startsWith("jvsh")
                  && Files.isDirectory(p.resolve("bridge")));
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
