package dev.jvs.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.JvsDirs;
import dev.jvs.image.AptSources;
import dev.jvs.image.Debootstrap;
import dev.jvs.image.Trees;
import dev.jvs.testing.LeakAudit;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17, acceptance 3: the Debian package built by tools/deb/build-deb.sh (./build.sh deb)
 * installs into a fresh Debian 12 root - the debootstrap tree cached for Debian templates, under a
 * throw-away overlay - with apt pulling its Depends, runs a guest's whole life there with the
 * package's own Java runtime and no service, and purges without a trace. The root is a chroot in a
 * private mount namespace (deb-chroot.sh), so its mounts never reach the host's table.
 *
 * <p>About 1.5-2 minutes with the tree cached and the .deb given (-Djvs.deb=PATH); building the
 * .deb here (jdeps, jlink) adds 1-6 minutes depending on the machine's load. "slow": it also needs
 * the mirror for the Depends the cached tree lacks.
 */
@Tag("kernel")
@Tag("slow")
class DebPackageIT {

  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void installsRunsAGuestWithoutAServiceAndPurgesCleanly() throws Exception {
    Path base = Files.createTempDirectory(Path.of("/tmp"), "jvs-it-deb-");
    String tag = base.getFileName().toString().substring("jvs-it-deb-".length());
    // Paths inside the root: the guests' cgroup parent and names are this run's alone.
    Path jvsRoot = Path.of("/var/lib/jvs-it-" + tag);
    Path jvsRun = Path.of("/run/jvs-it-" + tag);
    String cgroupParent = new JvsDirs(jvsRoot, jvsRun).cgroupParent();
    try {
      Path deb = deb(base);
      String mirror = AptSources.mirrorFor("bookworm", AptSources.read(Path.of("/etc/apt")));
      Path rootfs =
          new Debootstrap(Debootstrap.defaultCache(System.getenv()), mirror, "amd64")
              .rootfs("bookworm", line -> {});
      Path script = base.resolve("deb-chroot.sh");
      try (InputStream in = DebPackageIT.class.getResourceAsStream("deb-chroot.sh")) {
        Files.write(script, in.readAllBytes());
      }
      long t0 = System.nanoTime();
      Run run =
          run(
              "unshare",
              "-m",
              "--propagation",
              "private",
              "sh",
              script.toString(),
              rootfs.toString(),
              base.toString(),
              deb.toString(),
              jvsRoot.toString(),
              jvsRun.toString());
      System.out.printf(
          "DebPackageIT: install, build, start, exec, stop, delete, purge in %.1f s%n",
          (System.nanoTime() - t0) / 1e9);
      System.out.println(run.output());
      assertThat(run.code()).as(run.output()).isZero();
      assertThat(run.output())
          .containsPattern("(?m)^jvs \\S+ install ok installed$")
          .contains("/usr/bin/jvs -> /usr/lib/jvs/jvs-client")
          .contains("/usr/bin/jvs-oci -> /usr/lib/jvs/jvs-client")
          .contains("ExecStart=/usr/bin/jvs serve $JVS_SERVE_ARGS")
          .contains("EnvironmentFile=-/etc/default/jvs")
          .contains("conffiles: /etc/default/jvs")
          .contains("jvs-oci version")
          .containsPattern("debtest +running .* /" + cgroupParent + "/debtest")
          // exec lands in the guest (its own PID 1 and root), not in the tree around the chroot
          .contains("inside debtest as 0, pid 1 is init")
          .contains("dpkg: no package jvs")
          .endsWith("== done\n");
    } finally {
      List<String> leaks = leftovers(base, cgroupParent, jvsRun);
      if (mountsUnder(base).isEmpty()) {
        Trees.deleteIfExists(base); // the namespace with the root's mounts has ended
      }
      assertThat(leaks).as("left on the host").isEmpty();
    }
  }

  /** The package given by -Djvs.deb, else built now from the tested build (offline). */
  private static Path deb(Path base) throws Exception {
    String given = System.getProperty("jvs.deb");
    if (given != null && !given.isEmpty()) {
      return Path.of(given);
    }
    Path build = Path.of(System.getProperty("jvs.jar", "target/jvs.jar")).toAbsolutePath();
    Path out = base.resolve("deb");
    Files.createDirectories(out);
    ProcessBuilder pb =
        new ProcessBuilder("tools/deb/build-deb.sh", build.getParent().toString(), out.toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Run r = run(pb);
    assertThat(r.code()).as(r.output()).isZero();
    return Path.of(r.output().strip().lines().reduce((a, b) -> b).orElseThrow());
  }

  /** Mounts, cgroups and jvs-init monitors of this run left on the host. */
  private static List<String> leftovers(Path base, String cgroupParent, Path jvsRun)
      throws IOException {
    List<String> found = new ArrayList<>(mountsUnder(base));
    try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path h : Stream.concat(Stream.of(Path.of("/sys/fs/cgroup")), hierarchies).toList()) {
        if (Files.isDirectory(h.resolve(cgroupParent))) {
          found.add("cgroup " + h.resolve(cgroupParent));
        }
      }
    }
    // A monitor's first argument is its control socket under JVS_RUN (a path inside the root).
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      all.filter(p -> LeakAudit.isMonitor(p.pid()))
          .filter(
              p ->
                  p.info()
                      .arguments()
                      .map(a -> a.length > 0 && a[0].startsWith(jvsRun + "/"))
                      .orElse(false))
          .forEach(p -> found.add("process jvs-init " + p.pid()));
    }
    return found;
  }

  private static List<String> mountsUnder(Path base) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(l -> l.split(" ")[4])
        .filter(m -> m.startsWith(base.toString()))
        .map(m -> "mount " + m)
        .toList();
  }

  private record Run(int code, String output) {}

  private static Run run(String... cmd) throws Exception {
    return run(new ProcessBuilder(cmd));
  }

  private static Run run(ProcessBuilder pb) throws Exception {
    Path log =
        Files.createTempFile(
            "jvs-deb-",
            ".log",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Process p =
          pb.redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        p.destroyForcibly().waitFor();
      }
      return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
