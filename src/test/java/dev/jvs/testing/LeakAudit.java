package dev.jvs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a test may have left on the host: mounts under its roots, its cgroup parent in any
 * hierarchy, its jvs-init processes, network namespaces named jvs*, its links and nft tables.
 */
public final class LeakAudit {
  private LeakAudit() {}

  /** Whether PID is a jvs-init process (its comm). */
  public static boolean isMonitor(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("jvs-init");
    } catch (IOException e) {
      return false; // gone
    }
  }

  /** Names of the socket-address programs on the cgroup2 root (connect6, sendmsg6, …). */
  private static List<String> rootHookNames() {
    List<String> names = new ArrayList<>();
    var cgroup2 = dev.jvs.cgroup.CgroupMounts.probe().cgroup2Mount();
    if (cgroup2.isEmpty()) {
      return names;
    }
    try (var dir =
        dev.jvs.cgroup.Fd.open(
            cgroup2.get().toString(),
            dev.jvs.kernel.Libc.O_RDONLY | dev.jvs.kernel.Libc.O_DIRECTORY)) {
      for (int type : List.of(11, 15, 20, 30)) {
        for (int id : dev.jvs.cgroup.BpfSyscall.progQuery(dir, type, "leak audit")) {
          try (var prog = dev.jvs.cgroup.BpfSyscall.progFdById(id)) {
            names.add(dev.jvs.cgroup.BpfSyscall.progName(prog));
          } catch (dev.jvs.kernel.KernelException e) {
            // detached meanwhile
          }
        }
      }
    }
    return names;
  }

  public static List<String> leftovers(Path root, String cgroupParent) {
    List<String> found = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mountPoint = line.split(" ")[4];
        if (mountPoint.startsWith(root.toString())) {
          found.add("mount " + mountPoint);
        }
      }
      // v1: one hierarchy per directory of /sys/fs/cgroup; v2: /sys/fs/cgroup is the hierarchy.
      try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
        for (Path h : Stream.concat(Stream.of(Path.of("/sys/fs/cgroup")), hierarchies).toList()) {
          if (Files.isDirectory(h.resolve(cgroupParent))) {
            found.add("cgroup " + h.resolve(cgroupParent));
          }
        }
      }
      try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
        // Monitors carry their control socket's path, which lies under this test's roots. They run
        // from a sealed copy of jvs-init, so their name tells them, not their executable.
        all.filter(p -> isMonitor(p.pid()))
            .filter(
                p ->
                    p.info()
                        .arguments()
                        .map(a -> String.join(" ", a))
                        .orElse("")
                        .startsWith(root.toString()))
            .forEach(p -> found.add("process jvs-init " + p.pid()));
      }
      // Names of this root only (docs/networking.md), so that another test running at the same
      // time on this machine does not fail this one.
      dev.jvs.net.NetNames net = dev.jvs.net.NetNames.of(root.resolve("root"));
      Path netns = Path.of("/run/netns");
      if (Files.isDirectory(netns)) {
        try (Stream<Path> s = Files.list(netns)) {
          s.filter(p -> p.getFileName().toString().startsWith("jvs"))
              .filter(p -> p.getFileName().toString().endsWith(net.tag()))
              .forEach(p -> found.add("netns " + p.getFileName()));
        }
      }
      // bridge, veths, dummy, ifb (their qdiscs go with them)
      try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
        s.filter(p -> p.getFileName().toString().startsWith("jvs"))
            .filter(p -> net.owns(p.getFileName().toString()))
            .forEach(p -> found.add("link " + p.getFileName()));
      }
      // published ports' ::1 hooks on the cgroup2 root, named after the guest's veth
      for (String name : rootHookNames()) {
        if (net.owns(name)) {
          found.add("bpf program " + name + " on the cgroup2 root");
        }
      }
      boolean hasNft = Files.isExecutable(Path.of("/usr/sbin/nft"));
      for (String family : hasNft ? List.of("ip", "inet", "bridge") : List.<String>of()) {
        Process nft =
            new ProcessBuilder("nft", "list", "table", family, net.table())
                .redirectErrorStream(true)
                .start();
        nft.getInputStream().readAllBytes();
        if (nft.waitFor() == 0) {
          found.add("nft table " + family + " " + net.table());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return found;
  }
}
