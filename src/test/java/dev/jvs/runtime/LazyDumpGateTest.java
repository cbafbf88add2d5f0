package dev.jvs.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The post-copy dump's gate script, run as criu runs it (its path as argv[0], the step in
 * CRTOOLS_SCRIPT_ACTION), on a real FIFO: its exit status is what makes criu go on or roll back.
 */
class LazyDumpGateTest {
  @TempDir Path dir;
  private Path script;

  @BeforeEach
  void writeScript() throws Exception {
    script = dir.resolve("gate.sh");
    Files.writeString(script, LazyDump.GATE);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void everyOtherStepPassesAtOnce() throws Exception {
    try (RandomAccessFile gate = LazyDump.openGate(dir.resolve("gate"))) {
      for (String step : new String[] {"pre-dump", "network-lock", "status-ready"}) {
        Process p = run(step);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as(step).isTrue();
        assertThat(p.exitValue()).as(step).isZero();
      }
      assertThat(dir.resolve("images-written")).doesNotExist();
    }
  }

  @Test
  void postDumpWaitsForGo() throws Exception {
    try (RandomAccessFile gate = LazyDump.openGate(dir.resolve("gate"))) {
      Process p = run("post-dump");
      awaitImagesWritten();
      assertThat(p.waitFor(300, TimeUnit.MILLISECONDS)).as("still at the gate").isFalse();
      gate.write("go\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    }
  }

  @Test
  void aClosedGateAborts() throws Exception {
    Process p;
    try (RandomAccessFile gate = LazyDump.openGate(dir.resolve("gate"))) {
      p = run("post-dump");
      awaitImagesWritten();
    }
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
  }

  /** The gate's other end held by a process that is then killed, as a service that dies. */
  @Test
  void theDeathOfWhoHoldsTheGateAborts() throws Exception {
    Path fifo = dir.resolve("gate");
    LazyDump.openGate(fifo).close(); // made; now held by another process only
    Process holder =
        new ProcessBuilder(
                "sh", "-c", "exec 4<>\"$0\"; : > \"$0.held\"; exec sleep 600", fifo.toString())
            .start();
    try {
      for (int i = 0; i < 1000 && !Files.exists(dir.resolve("gate.held")); i++) {
        Thread.sleep(10);
      }
      Process p = run("post-dump");
      awaitImagesWritten();
      assertThat(p.waitFor(300, TimeUnit.MILLISECONDS)).as("still at the gate").isFalse();
      holder.destroyForcibly().waitFor();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isNotZero();
    } finally {
      holder.destroyForcibly().waitFor();
    }
  }

  private Process run(String step) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(script.toString()).redirectErrorStream(true);
    pb.environment().put("CRTOOLS_SCRIPT_ACTION", step);
    return pb.start();
  }

  private void awaitImagesWritten() throws InterruptedException {
    for (int i = 0; i < 1000 && !Files.exists(dir.resolve("images-written")); i++) {
      Thread.sleep(10);
    }
    assertThat(dir.resolve("images-written")).exists();
  }
}
