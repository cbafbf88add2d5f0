package dev.jvs.oci;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks at create time that the user program exists in the rootfs (searching the PATH the process
 * will have), so a typo fails `create` as with runc rather than after `start`, when nobody is
 * listening.
 */
final class Executable {
  private Executable() {}

  static void check(Path rootfs, OciConfig.Process p) {
    String file = p.args().getFirst();
    Map<String, String> env = ProcessPlan.environment(p.env());
    if (file.contains("/")) {
      String abs = file.startsWith("/") ? file : p.cwd() + "/" + file;
      if (!isExecutable(rootfs, abs)) {
        throw new OciException(
            "exec: \"" + file + "\": stat " + file + ": no such file or directory");
      }
      return;
    }
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && isExecutable(rootfs, dir + "/" + file)) {
        return;
      }
    }
    throw new OciException("exec: \"" + file + "\": executable file not found in $PATH");
  }

  private static boolean isExecutable(Path rootfs, String containerPath) {
    Path host = RootfsPath.resolve(rootfs, containerPath).host();
    return Files.isRegularFile(host) && Files.isExecutable(host);
  }
}
