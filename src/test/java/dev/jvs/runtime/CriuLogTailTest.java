package dev.jvs.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading criu's restore log on as criu writes it, for the line that says the tree runs. */
class CriuLogTailTest {
  @TempDir Path dir;

  @Test
  void theLineIsSeenOnceWrittenEvenWhenItCameInTwoWrites() throws Exception {
    Path log = dir.resolve("restore.log");
    CriuLogTail tail = new CriuLogTail(log, Checkpoints.RESUMED_LINE);
    assertThat(tail.reached()).isFalse(); // no log yet
    append(log, "(00.000000) CRIU run id = 1\n(00.179000) Restore finished succ");
    assertThat(tail.reached()).isFalse();
    append(log, "essfully. Tasks resumed.\n");
    assertThat(tail.reached()).isTrue();
    assertThat(tail.reached()).isTrue();
  }

  @Test
  void aFailedRestoreNeverReachesIt() throws Exception {
    Path log = dir.resolve("restore.log");
    CriuLogTail tail = new CriuLogTail(log, Checkpoints.RESUMED_LINE);
    append(log, "(00.1) Error (criu/cr-restore.c:2300): Restoring FAILED.\n".repeat(5000));
    assertThat(tail.reached()).isFalse();
    append(log, "(00.2) Restore finished\n");
    assertThat(tail.reached()).isFalse();
  }

  private static void append(Path log, String text) throws Exception {
    Files.writeString(
        log,
        text,
        StandardCharsets.ISO_8859_1,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
