package dev.jvs.oci;

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
    Files.writeString(cd.resolve("config.toml"), """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        """.formatted(cd, sock));
    Process p = new ProcessBuilder("containerd", "--config", cd.resolve("config.toml").toString())
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

  @Override
  public void close() throws InterruptedException {
    process.destroy(); // SIGTERM: containerd shuts down; deleted tasks have no shims left
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
