package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
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
      OciTestHost.Bundle b = host.bundle("image", "true");
      try (TestContainerd containerd = TestContainerd.start(host)) {
        OciTestHost.Result hi =
            containerd.run(host, runtime, b.rootfs(), "--rm", "t1", "sh", "-c", "echo hi; exit 3");
        assertThat(hi.out()).as(hi.err()).isEqualTo("hi\n");
        assertThat(hi.code()).isEqualTo(3);

        assertThat(containerd.run(host, runtime, b.rootfs(), "-d", "t2", "sleep", "1000").code())
            .isZero();
        assertThat(containerd.ctr(List.of("task", "ls")).out())
            .containsPattern("t2\\s+\\d+\\s+RUNNING");
        // A command that ends at once, several times: its exit must reach ctr even when the
        // shim reaps it right after jvs-oci exec returns (a lost exit hangs ctr; 124 = timeout)
        for (int i = 1; i <= EXECS; i++) {
          OciTestHost.Result exec =
              containerd.ctr(
                  List.of(
                      "task", "exec", "--exec-id", "e" + i, "t2", "sh", "-c", "echo in-t2; exit 4"),
                  EXEC_TIMEOUT_S);
          assertThat(exec.code()).as("exec #%d (%s)", i, exec.err()).isEqualTo(4);
          assertThat(exec.out()).isEqualTo("in-t2\n");
        }
        containerd.killAndDelete("t2");
        assertThat(host.stateLeft()).isEmpty();
      }
    }
  }
}
