package dev.jvs.oci;

import dev.jvs.runtime.InstanceState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** pause/resume: the v1 freezer controller (freezer.state) or v2's cgroup.freeze. */
final class Freezer {
  private Freezer() {}

  static boolean isFrozen(InstanceState s) {
    Optional<Path> file = file(s);
    if (file.isEmpty() || !Files.exists(file.get())) {
      return false;
    }
    try {
      String v = Files.readString(file.get()).trim();
      return v.equals("FROZEN") || v.equals("FREEZING") || v.equals("1");
    } catch (IOException e) {
      return false;
    }
  }

  static void set(InstanceState s, boolean freeze) {
    Path f = file(s).orElseThrow(() -> new OciException("no freezer cgroup on this host"));
    boolean v1 = f.getFileName().toString().equals("freezer.state");
    try {
      Files.writeString(f, v1 ? (freeze ? "FROZEN" : "THAWED") : (freeze ? "1" : "0"));
      // v1 goes through FREEZING; wait until the kernel reports the final state
      for (int i = 0; i < 1000 && v1; i++) {
        String now = Files.readString(f).trim();
        if (now.equals(freeze ? "FROZEN" : "THAWED")) {
          return;
        }
        Thread.sleep(1);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Optional<Path> file(InstanceState s) {
    String rel = s.cgroupParent() + "/" + s.cgroupName();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] halves = line.split(" - ");
        String[] pre = halves[0].split(" ");
        String[] post = halves[1].split(" ");
        if (post[0].equals("cgroup")
            && post.length > 2
            && java.util.Arrays.asList(post[2].split(",")).contains("freezer")) {
          return Optional.of(Path.of(pre[4], rel, "freezer.state"));
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] halves = line.split(" - ");
        if (halves[1].startsWith("cgroup2 ")) {
          Path f = Path.of(halves[0].split(" ")[4], rel, "cgroup.freeze");
          if (Files.exists(f)) {
            return Optional.of(f);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.empty();
  }
}
