package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * containerd drives jvs-oci through its runc shim (ctr --runc-binary): a containerd started by the
 * test with its own config, root, state and socket; containers from a busybox rootfs directory.
 */
@Tag("kernel")
class OciContainerdIT {
  private static final int EXECS = 10;
  private static final int EXEC_TIMEOUT_S = 30;

  @Test
  void ctrRunExecKillAndDelete() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      Path runtime = OciPodmanIT.runtimeScript(host);
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
      Process containerd = new ProcessBuilder("containerd", "--config", cd.resolve("config.toml").toString())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(cd.resolve("containerd.log").toFile())
          .start();
      OciTestHost.Bundle b = host.bundle("image", "true");
      try {
        for (int i = 0; i < 300 && !Files.exists(sock); i++) {
          Thread.sleep(20);
        }
        List<String> runc = List.of("--runc-binary", runtime.toString(),
            "--runc-root", host.base.resolve("ctr-runc").toString());

        OciTestHost.Result hi = ctr(sock, concat(List.of("run", "--rm", "--rootfs"), runc,
            List.of("--cgroup", "/" + host.cgroupParent + "/t1", b.rootfs().toString(), "t1",
                "sh", "-c", "echo hi; exit 3")));
        assertThat(hi.out()).as(hi.err()).isEqualTo("hi\n");
        assertThat(hi.code()).isEqualTo(3);

        assertThat(ctr(sock, concat(List.of("run", "-d", "--rootfs"), runc,
            List.of("--cgroup", "/" + host.cgroupParent + "/t2", b.rootfs().toString(), "t2",
                "sleep", "1000"))).code()).isZero();
        assertThat(ctr(sock, List.of("task", "ls")).out()).containsPattern("t2\\s+\\d+\\s+RUNNING");
        // A command that ends at once, several times: its exit must reach ctr even when the
        // shim reaps it right after jvs-oci exec returns (a lost exit hangs ctr; 124 = timeout)
        for (int i = 1; i <= EXECS; i++) {
          OciTestHost.Result exec = ctr(sock, List.of("task", "exec", "--exec-id", "e" + i, "t2",
              "sh", "-c", "echo in-t2; exit 4"), EXEC_TIMEOUT_S);
          assertThat(exec.code()).as("exec #%d (%s)", i, exec.err()).isEqualTo(4);
          assertThat(exec.out()).isEqualTo("in-t2\n");
        }
        assertThat(ctr(sock, List.of("task", "kill", "-s", "KILL", "t2")).code()).isZero();
        for (int i = 0; i < 200 && !ctr(sock, List.of("task", "ls")).out().contains("STOPPED"); i++) {
          Thread.sleep(20);
        }
        assertThat(ctr(sock, List.of("task", "ls")).out()).containsPattern("t2\\s+\\d+\\s+STOPPED");
        assertThat(ctr(sock, List.of("task", "delete", "t2")).code()).isZero();
        assertThat(ctr(sock, List.of("container", "delete", "t2")).code()).isZero();
        assertThat(host.stateLeft()).isEmpty();
      } finally {
        containerd.destroy(); // SIGTERM: containerd shuts down; deleted tasks have no shims left
        if (!containerd.waitFor(20, TimeUnit.SECONDS)) {
          containerd.destroyForcibly().waitFor();
        }
      }
    }
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> p : parts) {
      all.addAll(p);
    }
    return all;
  }

  private static OciTestHost.Result ctr(Path sock, List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("ctr", "-a", sock.toString()));
    cmd.addAll(args);
    return OciPodmanIT.run(cmd);
  }

  /** ctr under timeout(1): a hung call fails fast with exit code 124 instead of blocking. */
  private static OciTestHost.Result ctr(Path sock, List<String> args, int seconds) {
    List<String> cmd = new ArrayList<>(List.of("timeout", Integer.toString(seconds)));
    cmd.addAll(List.of("ctr", "-a", sock.toString()));
    cmd.addAll(args);
    return OciPodmanIT.run(cmd);
  }
}
