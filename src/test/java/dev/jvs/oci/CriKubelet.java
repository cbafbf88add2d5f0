package dev.jvs.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvs.cri.v1.PodSandboxConfig;
import dev.jvs.cri.v1.RemovePodSandboxRequest;
import dev.jvs.cri.v1.RunPodSandboxRequest;
import dev.jvs.cri.v1.StopPodSandboxRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The kubelet's part of a node, for the CRI tests: it imports the image (its pull), makes the pod
 * cgroups with the pod's limits (cgroupfs driver), runs pods and, at the end, removes what a test
 * that failed half-way left: its pods (through CRI), then containerd, mounts under the test's
 * directory, the pod bridge, network namespaces, CNI results and the cgroups. Leftovers found after
 * containerd has stopped are failures: containerd and the runtime should have removed them.
 */
final class CriKubelet {
  static final String IMAGE = "jvs.invalid/jvs-cri-busybox:1";

  private final OciTestHost host;
  private final Set<String> pods = new LinkedHashSet<>();
  private final Set<String> everRun = new LinkedHashSet<>();
  private final Set<Path> netns = new LinkedHashSet<>();
  private CriContainerd cri;

  CriKubelet(OciTestHost host) {
    this.host = host;
  }

  /** containerd with jvs-oci on {@code service} for the jvs handler, the image imported. */
  CriContainerd start(OciWarmServiceIT.Service service) throws Exception {
    Path jvsOci = OciWarmServiceIT.warmScript(host, service.socket());
    Path rootfs = host.bundle("image", "true").rootfs();
    Path archive =
        CriImage.write(
            rootfs,
            Files.createDirectories(host.base.resolve("oci-image")),
            IMAGE,
            List.of("/bin/sleep", "2147483647")); // the pause container's entrypoint
    cri = CriContainerd.start(host, jvsOci, jvsOciRoot(), IMAGE);
    cri.importImage(archive);
    return cri;
  }

  /**
   * The jvs handler's runtime root: the runc shim adds the namespace, so jvs-oci's state is in
   * ROOT/k8s.io, a directory the shim leaves as it leaves runc's.
   */
  Path jvsOciRoot() {
    return host.base.resolve("jvs-oci-root");
  }

  /** Container state directories jvs-oci still has in the CRI's namespace. */
  List<String> jvsOciStateLeft() throws IOException {
    Path ns = jvsOciRoot().resolve("k8s.io");
    if (!Files.isDirectory(ns)) {
      return List.of();
    }
    try (var s = Files.list(ns)) {
      return s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.equals(".locks"))
          .toList();
    }
  }

  /** RunPodSandbox with {@code handler}; the pod is removed at {@link #cleanUp} if still there. */
  String runPod(PodSandboxConfig pod, String handler) {
    String id =
        cri.runtime
            .runPodSandbox(
                RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(handler).build())
            .getPodSandboxId();
    pods.add(id);
    everRun.add(id);
    return id;
  }

  /** StopPodSandbox and RemovePodSandbox, as the kubelet ends a pod. */
  void removePod(String id) {
    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    pods.remove(id);
  }

  /** The network namespace path in a pod's verbose status info (checked again at clean-up). */
  Path netns(JsonNode podInfo) {
    for (JsonNode ns : podInfo.get("runtimeSpec").get("linux").get("namespaces")) {
      if (ns.get("type").asText().equals("network")) {
        Path p = Path.of(ns.get("path").asText());
        netns.add(p);
        return p;
      }
    }
    throw new AssertionError("no network namespace in the sandbox's spec: " + podInfo);
  }

  /** Makes the pod cgroup in the memory, cpu and pids hierarchies with the pod's limits. */
  String podCgroup(String uid, long memory) throws IOException {
    String path = "/" + host.cgroupParent + "/" + uid;
    Path mem = Files.createDirectories(Path.of("/sys/fs/cgroup/memory" + path));
    Files.writeString(mem.resolve("memory.limit_in_bytes"), Long.toString(memory));
    Path cpu = Files.createDirectories(Path.of("/sys/fs/cgroup/cpu" + path));
    Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "200000"); // two CPUs' worth
    Path pids = Files.createDirectories(Path.of("/sys/fs/cgroup/pids" + path));
    Files.writeString(pids.resolve("pids.max"), "1000");
    return path;
  }

  void stopContainerd() throws InterruptedException {
    cri.close();
  }

  /**
   * Removes what is left; what containerd should have removed is a failure, added to {@code
   * failure} (the test's own, which must not be hidden) or thrown.
   */
  void cleanUp(Throwable failure) throws Exception {
    List<String> problems = new ArrayList<>();
    if (cri != null && cri.running()) {
      for (String id : List.copyOf(pods)) {
        try {
          removePod(id);
        } catch (StatusRuntimeException e) {
          problems.add("pod " + id + ": " + e.getMessage());
        }
      }
      cri.close();
    }
    List<String> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = line.split(" ")[4];
      if (mountPoint.startsWith(host.base.toString())
          || netns.stream().anyMatch(n -> n.toString().equals(mountPoint))) {
        mounts.add(mountPoint);
      }
    }
    for (String m : mounts.reversed()) {
      problems.add("mount " + m);
      OciTestHost.run(new ProcessBuilder("umount", "-l", m), null, 60);
    }
    // libcni's result cache, which containerd 1.6 keeps in the host's /var/lib/cni
    Path results = Path.of("/var/lib/cni/results");
    if (Files.isDirectory(results)) {
      try (var s = Files.list(results)) {
        for (Path r : s.toList()) {
          if (everRun.stream().anyMatch(id -> r.getFileName().toString().contains(id))) {
            problems.add("CNI result " + r);
            Files.deleteIfExists(r);
          }
        }
      }
    }
    for (Path n : netns) {
      if (Files.exists(n)) {
        problems.add("netns " + n);
        Files.deleteIfExists(n);
      }
    }
    if (cri != null && Files.exists(Path.of("/sys/class/net", cri.bridge))) {
      // the bridge plugin leaves its bridge on the host by design: the node's, not the pod's
      OciTestHost.Result del =
          OciTestHost.run(new ProcessBuilder("ip", "link", "del", cri.bridge), null, 60);
      if (del.code() != 0) {
        problems.add("bridge " + cri.bridge + ": " + del.err());
      }
    }
    try {
      OciPodmanIT.removePodmanCgroups(host.cgroupParent);
    } catch (IOException e) {
      problems.add("cgroup: " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      AssertionError left = new AssertionError("left on the host: " + problems);
      if (failure == null) {
        throw left;
      }
      failure.addSuppressed(left);
    }
  }
}
