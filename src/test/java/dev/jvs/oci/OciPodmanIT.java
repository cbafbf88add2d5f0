package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.image.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Podman drives jvs-oci unchanged (--runtime): its own temporary storage, run root and tmpdir, a
 * busybox image made with `podman import`, containers under this test's cgroup parent. The host's
 * hard limits (RLIMIT_NOFILE 20000, no CAP_SYS_RESOURCE) need --ulimit, as runc needs here.
 */
@Tag("kernel")
class OciPodmanIT {
  private static final List<String> ULIMITS =
      List.of("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "--network", "none");

  @Test
  void runDetachExecLimitsStopAndRemove() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      Path runtime = runtimeScript(host);
      Podman podman = new Podman(host, runtime);
      try {
        Path tar = host.base.resolve("busybox.tar");
        OciTestHost.Bundle b = host.bundle("image", "true");
        assertThat(
                run(List.of("tar", "-C", b.rootfs().toString(), "-cf", tar.toString(), ".")).code())
            .isZero();
        podman.ok("import", tar.toString(), "jvs-it-busybox");

        OciTestHost.Result hi = podman.ok(with("run", "--rm", "jvs-it-busybox", "echo", "hi"));
        assertThat(hi.out()).isEqualTo("hi\n");

        // -t: jvs-init hands the pty master to conmon over --console-socket; \r\n shows the pty
        OciTestHost.Result tty =
            podman.ok(with("run", "--rm", "-t", "jvs-it-busybox", "echo", "on-tty"));
        assertThat(tty.out()).isEqualTo("on-tty\r\n");

        podman.ok(
            with(
                "run",
                "-d",
                "--name",
                "d1",
                "--memory",
                "64m",
                "--cpus",
                "0.5",
                "--pids-limit",
                "50",
                "jvs-it-busybox",
                "sleep",
                "1000"));
        OciTestHost.Result exec = podman.oci("exec", "d1", "sh", "-c", "echo in-d1; exit 5");
        assertThat(exec.code()).isEqualTo(5);
        assertThat(exec.out()).isEqualTo("in-d1\n");
        String id = podman.ok("inspect", "-f", "{{.Id}}", "d1").out().trim();
        String cg = host.cgroupParent + "/libpod-" + id;
        assertThat(read("/sys/fs/cgroup/memory/" + cg + "/memory.limit_in_bytes"))
            .isEqualTo("67108864");
        assertThat(read("/sys/fs/cgroup/pids/" + cg + "/pids.max")).isEqualTo("50");
        assertThat(read("/sys/fs/cgroup/cpu/" + cg + "/cpu.cfs_quota_us")).isEqualTo("50000");
        assertThat(podman.ok("exec", "-t", "d1", "echo", "exec-tty").out())
            .isEqualTo("exec-tty\r\n");
        podman.ok("stop", "-t", "1", "d1");
        podman.ok("rm", "d1");
        assertThat(host.stateLeft()).isEmpty();
      } finally {
        podman.oci("rm", "-a", "-f");
        removePodmanCgroups(host.cgroupParent);
      }
    }
  }

  private static List<String> with(String... args) {
    List<String> all = new ArrayList<>(List.of(args[0]));
    all.addAll(ULIMITS);
    all.addAll(List.of(args).subList(1, args.length));
    return all;
  }

  /** A jvs-oci that podman can exec: the packaged jar with this test's --root. */
  static Path runtimeScript(OciTestHost host) throws IOException {
    Path script = host.base.resolve("jvs-oci");
    List<String> cmd = OciTestHost.command("--root", host.root.toString());
    Files.writeString(script, "#!/bin/sh\nexec " + String.join(" ", cmd) + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /** conmon's cgroups, which podman (cgroupfs manager) makes under the parent it is given. */
  static void removePodmanCgroups(String parent) throws IOException {
    try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path h : hierarchies.toList()) {
        Path dir = h.resolve(parent);
        if (Files.isDirectory(dir)) {
          try (Stream<Path> s = Files.walk(dir)) {
            for (Path d : s.filter(Files::isDirectory).sorted((a, c) -> c.compareTo(a)).toList()) {
              Files.deleteIfExists(d); // rmdir: only empty cgroups go
            }
          }
        }
      }
    }
  }

  private static String read(String file) throws IOException {
    return Files.readString(Path.of(file)).trim();
  }

  static OciTestHost.Result run(List<String> cmd) {
    return OciTestHost.run(new ProcessBuilder(cmd), null, 120);
  }

  /** podman with storage, run root and tmpdir under the test's base. */
  record Podman(OciTestHost host, Path runtime) {
    OciTestHost.Result oci(String... args) {
      return oci(List.of(args));
    }

    OciTestHost.Result oci(List<String> args) {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "podman",
                  "--root",
                  host.base.resolve("podman/storage").toString(),
                  "--runroot",
                  host.base.resolve("podman/run").toString(),
                  "--tmpdir",
                  host.base.resolve("podman/tmp").toString(),
                  "--storage-driver",
                  "vfs",
                  "--cgroup-manager",
                  "cgroupfs",
                  "--events-backend",
                  "none",
                  "--runtime",
                  runtime.toString()));
      if (List.of("run", "create").contains(args.getFirst())) {
        List<String> withParent = new ArrayList<>(args);
        withParent.addAll(1, List.of("--cgroup-parent", "/" + host.cgroupParent));
        args = withParent;
      }
      cmd.addAll(args);
      return run(cmd);
    }

    OciTestHost.Result ok(String... args) {
      return ok(List.of(args));
    }

    OciTestHost.Result ok(List<String> args) {
      OciTestHost.Result r = oci(args);
      assertThat(r.code()).as("podman %s: %s", args, r.err()).isZero();
      return r;
    }
  }

  static void deleteTree(Path p) {
    Trees.deleteIfExists(p);
  }
}
