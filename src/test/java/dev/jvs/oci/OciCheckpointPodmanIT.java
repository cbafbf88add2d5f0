package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvs.testing.CriuTests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `podman container checkpoint` and `podman container restore` with --runtime jvs-oci (issue 16,
 * item 4): Podman runs jvs-oci's runc-compatible checkpoint and, through conmon, restore; a
 * container counting in a shell variable goes on from where it stopped, every number once.
 */
@Tag("kernel")
class OciCheckpointPodmanIT {
  private static final List<String> ULIMITS =
      List.of("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "--network", "none");

  /** Prints 1, 2, 3, … every 100 ms: the log shows where the count is, the shell holds it. */
  private static final String COUNTER = "i=0; while :; do i=$((i+1)); echo $i; usleep 100000; done";

  /** How long the test waits for something that must happen (not a bound it asserts). */
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @BeforeAll
  static void criuIsThere() {
    CriuTests.abortWithoutCriu();
  }

  @Test
  void podmanCheckpointAndRestoreAContainerCountingInMemory() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciPodmanIT.Podman podman = new OciPodmanIT.Podman(host, OciPodmanIT.runtimeScript(host));
      try {
        Path tar = host.base.resolve("busybox.tar");
        OciTestHost.Bundle b = host.bundle("image", "true");
        assertThat(
                OciPodmanIT.run(
                        List.of("tar", "-C", b.rootfs().toString(), "-cf", tar.toString(), "."))
                    .code())
            .isZero();
        podman.ok("import", tar.toString(), "jvs-it-busybox");
        List<String> run = new ArrayList<>(List.of("run", "-d", "--name", "counter"));
        run.addAll(ULIMITS);
        run.addAll(List.of("jvs-it-busybox", "sh", "-c", COUNTER));
        podman.ok(run);
        awaitCount(podman, 10);

        podman.ok("container", "checkpoint", "counter");

        assertThat(podman.ok("inspect", "-f", "{{.State.Checkpointed}}", "counter").out().strip())
            .isEqualTo("true");
        long stoppedAt = consecutiveCount(podman);

        podman.ok("container", "restore", "counter");

        assertThat(podman.ok("inspect", "-f", "{{.State.Status}}", "counter").out().strip())
            .isEqualTo("running");
        // the restored shell goes on from its own memory: the log runs 1, 2, … with no restart
        assertThat(awaitCount(podman, stoppedAt + 10)).isGreaterThanOrEqualTo(stoppedAt + 10);
        podman.ok("stop", "-t", "1", "counter");
        podman.ok("rm", "counter");
        assertThat(host.stateLeft()).isEmpty();
      } finally {
        podman.oci("rm", "-a", "-f");
        OciPodmanIT.removePodmanCgroups(host.cgroupParent);
      }
    }
  }

  @Test
  void badCheckpointAndRestoreRequestsFailWithOneLine() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Result none = host.oci("checkpoint", "--image-path", "/nonexistent", "ghost");
      assertThat(none.code()).isEqualTo(1);
      assertThat(none.err().strip()).contains("container does not exist").doesNotContain("\n");

      OciTestHost.Bundle b = host.bundle("noimg", "true");
      Path images = host.base.resolve("empty-images");
      Files.createDirectories(images);
      OciTestHost.Result noImages =
          host.oci(
              "restore",
              "--detach",
              "--bundle",
              b.dir().toString(),
              "--image-path",
              images.toString(),
              "noimg");
      assertThat(noImages.code()).isEqualTo(1);
      assertThat(noImages.err().strip())
          .contains("no checkpoint in " + images)
          .doesNotContain("\n");

      // a network namespace the caller made (here another container's, as a pod's sandbox):
      // refused before criu kills anything
      host.ok(
          "create",
          "--bundle",
          host.bundle("sandbox", "sleep", "1000").dir().toString(),
          "sandbox");
      long sandbox =
          OciTestHost.JSON.readTree(host.ok("state", "sandbox").out()).get("pid").asLong();
      String netPath = "/proc/" + sandbox + "/ns/net";
      OciTestHost.Bundle joined = host.bundle("joined", "sleep", "1000");
      ArrayNode ns = (ArrayNode) joined.linux().get("namespaces");
      for (int n = 0; n < ns.size(); n++) {
        if (ns.get(n).get("type").asText().equals("network")) {
          ((ObjectNode) ns.get(n)).put("path", netPath);
        }
      }
      joined.save();
      host.ok("create", "--bundle", joined.dir().toString(), "joined");
      host.ok("start", "joined");
      OciTestHost.Result foreignNet =
          host.oci("checkpoint", "--image-path", images.toString(), "joined");
      assertThat(foreignNet.code()).isEqualTo(1);
      assertThat(foreignNet.err().strip())
          .contains("network namespace " + netPath + " was made by its caller")
          .doesNotContain("\n");
      assertThat(host.ok("state", "joined").out()).contains("\"running\"");
      host.ok("delete", "--force", "joined");
      host.ok("delete", "--force", "sandbox");

      OciTestHost.Result preDump =
          host.oci("checkpoint", "--pre-dump", "--image-path", images.toString(), "noimg");
      assertThat(preDump.code()).isEqualTo(1);
      assertThat(preDump.err()).contains("--pre-dump");
      assertThat(host.stateLeft()).isEmpty();
    }
  }

  /**
   * Waits until the container's log counts to at least {@code min}, every line the number after the
   * one before; returns the count.
   */
  private static long awaitCount(OciPodmanIT.Podman podman, long min) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long count = 0;
    while (System.nanoTime() < deadline) {
      count = consecutiveCount(podman);
      if (count >= min) {
        return count;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the container's log never reached " + min + " (last " + count + ")");
  }

  /** The container's log as numbers, asserted to run 1, 2, 3, …; the last. */
  private static long consecutiveCount(OciPodmanIT.Podman podman) {
    List<String> lines = podman.ok("logs", "counter").out().lines().toList();
    for (int n = 0; n < lines.size(); n++) {
      assertThat(lines.get(n).strip())
          .as("log line %d of %s", n + 1, lines)
          .isEqualTo("" + (n + 1));
    }
    return lines.size();
  }
}
