package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** containerd with its own config, root, state and socket under a test host; SIGTERM at close. */
record TestContainerd(Path socket, Process process) implements AutoCloseable {
  static TestContainerd start(OciTestHost host) throws IOException, InterruptedException {
    Path cd = Files.createDirectories(host.base.resolve("containerd"));
    Path sock = cd.resolve("c.sock");
    Files.writeString(
        cd.resolve("config.toml"),
        """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        """
            .formatted(cd, sock));
    Process p =
        new ProcessBuilder("containerd", "--config", cd.resolve("config.toml").toString())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(cd.resolve("containerd.log").toFile())
            .start();
    for (int i = 0; i < 300 && !Files.exists(sock); i++) {
      Thread.sleep(20);
    }
    return new TestContainerd(sock, p);
  }

  OciTestHost.Result ctr(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket.toString()));
    cmd.addAll(args);
    return OciPodmanIT.run(cmd);
  }

  /** ctr under timeout(1): a hung call fails fast with exit code 124 instead of blocking. */
  OciTestHost.Result ctr(List<String> args, int seconds) {
    List<String> cmd = new ArrayList<>(List.of("timeout", Integer.toString(seconds)));
    cmd.addAll(List.of("ctr", "-a", socket.toString()));
    cmd.addAll(args);
    return OciPodmanIT.run(cmd);
  }

  /**
   * `ctr run` ({@code mode} "--rm" or "-d") of {@code rootfs}, with {@code runtime} as the runc
   * binary of the shim, in a cgroup below the test host's parent named after the container.
   */
  OciTestHost.Result run(
      OciTestHost host, Path runtime, Path rootfs, String mode, String id, String... argv) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                mode,
                "--rootfs",
                "--runc-binary",
                runtime.toString(),
                "--runc-root",
                host.base.resolve("ctr-runc").toString(),
                "--cgroup",
                "/" + host.cgroupParent + "/" + id,
                rootfs.toString(),
                id));
    args.addAll(List.of(argv));
    return ctr(args);
  }

  /** SIGKILL to a task, then, once containerd reports it stopped, delete it and its container. */
  void killAndDelete(String id) throws InterruptedException {
    assertThat(ctr(List.of("task", "kill", "-s", "KILL", id)).code()).isZero();
    for (int i = 0; i < 200 && !ctr(List.of("task", "ls")).out().contains("STOPPED"); i++) {
      Thread.sleep(20);
    }
    assertThat(ctr(List.of("task", "ls")).out()).containsPattern(id + "\\s+\\d+\\s+STOPPED");
    assertThat(ctr(List.of("task", "delete", id)).code()).isZero();
    assertThat(ctr(List.of("container", "delete", id)).code()).isZero();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy(); // SIGTERM: containerd shuts down; deleted tasks have no shims left
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
