package dev.jvs.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** statx's birth time: when a file was made, not when it was last written. */
class BirthTimeTest {
  @TempDir Path dir;

  @Test
  void aFileIsBornWhenMadeAndStaysSoWhenWrittenLater() throws Exception {
    Path file = dir.resolve("log");
    Instant before = Instant.now();
    Files.writeString(file, "a");
    Instant after = Instant.now();
    Thread.sleep(60);
    Files.writeString(file, "b"); // truncated and written: modified, not born again
    Instant born = BirthTime.of(file).orElseThrow();
    // the file system stamps from a coarse clock: up to a tick before the call
    assertThat(born).isBetween(before.minus(Duration.ofMillis(10)), after);
    assertThat(Files.getLastModifiedTime(file).toInstant()).isAfter(after);
    assertThat(BirthTime.of(dir.resolve("missing"))).isEmpty();
  }
}
