package dev.jvs.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KernelFiles reads what Files.readString reads, of any size, and tells a missing file. */
class KernelFilesTest {
  @TempDir Path dir;

  @Test
  void aFileLargerThanTheBufferIsReadWhole() throws Exception {
    Path big = dir.resolve("big");
    Files.writeString(big, "0123456789abcdef".repeat(10_000)); // 160,000 bytes: the buffer grows
    assertThat(KernelFiles.readIfExists(big)).isEqualTo(Files.readString(big));
    Path small = dir.resolve("small");
    Files.writeString(small, "42\n");
    assertThat(KernelFiles.readIfExists(small)).isEqualTo("42\n");
  }

  @Test
  void kernelFilesReadAsTheyAre() throws Exception {
    Path stat = Path.of("/proc/self/stat");
    assertThat(KernelFiles.readIfExists(stat)).startsWith(ProcessHandle.current().pid() + " (");
    Path mounts = Path.of("/proc/self/mountinfo"); // many records: several reads
    assertThat(KernelFiles.readIfExists(mounts).lines().count())
        .isEqualTo(Files.readString(mounts).lines().count());
  }

  @Test
  void aMissingFileIsNullAndOtherErrorsNameTheFile() {
    assertThat(KernelFiles.readIfExists(dir.resolve("none"))).isNull();
    assertThatThrownBy(() -> KernelFiles.readIfExists(dir))
        .isInstanceOf(KernelException.class)
        .hasMessageContaining(dir.toString());
  }
}
