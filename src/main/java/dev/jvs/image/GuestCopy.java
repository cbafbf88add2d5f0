package dev.jvs.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies a stopped guest's directory for `jvs clone`: its config, its private layer (whiteouts,
 * owners and modes kept by `cp -a`) and its disk image (sparse); work/ and the mount points start
 * empty. The template below is shared, not copied.
 */
public final class GuestCopy {
  private GuestCopy() {}

  public static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (String dir : List.of("work", "rootfs")) {
      Files.createDirectory(to.resolve(dir));
    }
    List<String> cmd = new ArrayList<>(List.of("cp", "-a", "--sparse=always"));
    try (var s = Files.list(from)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (!List.of("work", "rootfs", "disk").contains(n) && !n.startsWith(".")) {
          cmd.add(p.toString());
        }
      }
    }
    cmd.add(to.toString() + "/");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (p.waitFor() != 0) {
        throw new IOException("copy failed: " + out.lines().reduce((a, b) -> b).orElse(""));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    if (!Files.isDirectory(to.resolve("upper"), LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(to.resolve("upper"));
    }
  }
}
