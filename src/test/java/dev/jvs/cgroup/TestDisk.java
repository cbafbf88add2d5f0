package dev.jvs.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** This host's first whole disk backed by a device (not loop, ram or zram): /dev/vda here. */
record TestDisk(String name, long major, long minor) {
  static TestDisk first() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
      Path d =
          s.filter(p -> Files.exists(p.resolve("device")))
              .filter(p -> !p.getFileName().toString().matches("(loop|ram|zram).*"))
              .sorted()
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("this host has no disk to read"));
      String[] mm = Files.readString(d.resolve("dev")).strip().split(":");
      return new TestDisk(d.getFileName().toString(), Long.parseLong(mm[0]), Long.parseLong(mm[1]));
    }
  }

  String path() {
    return "/dev/" + name;
  }

  /** Whether this process may open the disk (a sandboxed host may forbid even root). */
  boolean readable() {
    try (var in = Files.newInputStream(Path.of(path()))) {
      return in.read() >= 0;
    } catch (IOException e) {
      return false;
    }
  }
}
