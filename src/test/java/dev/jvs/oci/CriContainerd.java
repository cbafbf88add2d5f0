package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.cri.v1.RuntimeServiceGrpc;
import dev.jvs.cri.v1.VersionRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * containerd with its CRI plugin on, as a Kubernetes node runs it, but with its own config, root,
 * state, socket, CNI config and plugin directory under a test host: runtime handlers {@code jvs}
 * (containerd's runc shim with jvs-oci as the runtime binary) and {@code runc}, and the gRPC
 * channel a kubelet would open on the socket. {@link #close()} stops it (SIGTERM).
 */
final class CriContainerd implements AutoCloseable {
  /** The pod network: one bridge per test host, a static address, no gateway and no NAT. */
  static final String POD_IP = "10.254.77.2";

  final Path dir;
  final Path socket;
  final String bridge;
  private final Process process;
  private final ManagedChannel channel;
  final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;

  private CriContainerd(Path dir, Path socket, String bridge, Process process) {
    this.dir = dir;
    this.socket = socket;
    this.bridge = bridge;
    this.process = process;
    this.channel =
        Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
    this.runtime = RuntimeServiceGrpc.newBlockingStub(channel);
  }

  /**
   * Starts containerd with {@code jvsOci} as the jvs handler's runtime binary (its state in {@code
   * jvsRoot}) and {@code sandboxImage} as the pause image; returns once the CRI service answers.
   */
  static CriContainerd start(OciTestHost host, Path jvsOci, Path jvsRoot, String sandboxImage)
      throws IOException, InterruptedException {
    Path cd = Files.createDirectories(host.base.resolve("containerd"));
    Path sock = cd.resolve("c.sock");
    Path cni = Files.createDirectories(cd.resolve("cni"));
    // bridge names: at most 15 bytes, and jvs-prefixed like everything a jvs test makes
    String bridge = "jvscri" + host.cgroupParent.substring(host.cgroupParent.length() - 6);
    Files.writeString(
        cni.resolve("10-jvs-cri.conflist"),
        """
        {"cniVersion": "0.4.0", "name": "jvs-cri", "plugins": [
          {"type": "bridge", "bridge": "%s", "isGateway": false, "ipMasq": false,
           "ipam": {"type": "static", "addresses": [{"address": "%s/24"}]}}]}
        """
            .formatted(bridge, POD_IP));
    String cri = "plugins.\"io.containerd.grpc.v1.cri\"";
    // restrict_oom_score_adj: no negative oom_score_adj (the pause container's -998) for a
    // runtime without CAP_SYS_RESOURCE, which this host's root lacks (runc fails the same)
    Files.writeString(
        cd.resolve("config.toml"),
        """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        [plugins."io.containerd.internal.v1.opt"]
          path = "%1$s/opt"
        [%3$s]
          sandbox_image = "%4$s"
          disable_apparmor = true
          restrict_oom_score_adj = true
          [%3$s.cni]
            bin_dir = "/usr/lib/cni"
            conf_dir = "%1$s/cni"
          [%3$s.containerd]
            snapshotter = "overlayfs"
            default_runtime_name = "runc"
            [%3$s.containerd.runtimes.jvs]
              runtime_type = "io.containerd.runc.v2"
              [%3$s.containerd.runtimes.jvs.options]
                BinaryName = "%5$s"
                Root = "%6$s"
                SystemdCgroup = false
            [%3$s.containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [%3$s.containerd.runtimes.runc.options]
                BinaryName = "/usr/sbin/runc"
                Root = "%1$s/runc-root"
                SystemdCgroup = false
        """
            .formatted(cd, sock, cri, sandboxImage, jvsOci, jvsRoot));
    Process p =
        new ProcessBuilder("containerd", "--config", cd.resolve("config.toml").toString())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(cd.resolve("containerd.log").toFile())
            .start();
    for (int i = 0; i < 1500 && !Files.exists(sock) && p.isAlive(); i++) {
      Thread.sleep(20);
    }
    CriContainerd c = new CriContainerd(cd, sock, bridge, p);
    try {
      c.awaitCri();
    } catch (RuntimeException | AssertionError e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** The CRI service answers Version once its plugin has initialised (a few seconds at most). */
  private void awaitCri() throws InterruptedException {
    StatusRuntimeException last = null;
    for (int i = 0; i < 300 && process.isAlive(); i++) {
      try {
        runtime.withDeadlineAfter(5, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
        return;
      } catch (StatusRuntimeException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    throw new AssertionError("containerd's CRI never answered: " + log(), last);
  }

  String log() {
    try {
      return Files.readString(dir.resolve("containerd.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** ctr on this containerd in the CRI's namespace, k8s.io. */
  OciTestHost.Result ctr(String... args) {
    List<String> cmd =
        new java.util.ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", "k8s.io"));
    cmd.addAll(List.of(args));
    return OciTestHost.run(new ProcessBuilder(cmd), null, 120);
  }

  /** Imports an OCI image archive into the CRI's namespace (a kubelet would have pulled it). */
  void importImage(Path archive) {
    OciTestHost.Result r = ctr("images", "import", archive.toString());
    assertThat(r.code()).as("ctr images import: %s", r.err()).isZero();
  }

  boolean running() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    process.destroy(); // SIGTERM: containerd shuts down; removed pods have no shims left
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
