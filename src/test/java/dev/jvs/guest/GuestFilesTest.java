package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.guest.config.ResourceValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parsed-config cache must never answer with a guest.conf that has since changed. */
class GuestFilesTest {
  @TempDir Path root;

  private GuestFiles files() {
    return new GuestFiles(
        new JvsDirs(root, root.resolve("run")), new ConfigFile(new ResourceValidator(4)));
  }

  private Path conf(GuestName name, String text) throws Exception {
    Path dir = root.resolve("guests").resolve(name.value());
    Files.createDirectories(dir);
    return Files.writeString(dir.resolve(ConfigFile.FILE_NAME), text);
  }

  @Test
  void aConfigReplacedByRenameIsReadAgain() throws Exception {
    GuestName web = GuestName.of("web1");
    Path file = conf(web, "hostname = one\n");
    GuestFiles files = files();
    assertThat(files.config(web).hostname()).isEqualTo("one");
    Path next = Files.writeString(file.resolveSibling("next"), "hostname = two\n");
    Files.setLastModifiedTime(next, Files.getLastModifiedTime(file)); // only the inode differs
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertThat(files.config(web).hostname()).isEqualTo("two");
  }

  @Test
  void aConfigEditedInPlaceIsReadAgain() throws Exception {
    GuestName web = GuestName.of("web1");
    Path file = conf(web, "hostname = one\n");
    GuestFiles files = files();
    assertThat(files.config(web).hostname()).isEqualTo("one");
    FileTime before = Files.getLastModifiedTime(file);
    Files.writeString(file, "hostname = two\n"); // same inode, same size
    Files.setLastModifiedTime(file, FileTime.fromMillis(before.toMillis() + 1));
    assertThat(files.config(web).hostname()).isEqualTo("two");
  }

  @Test
  void aDeletedConfigIsAnErrorNotTheCachedCopy() throws Exception {
    GuestName web = GuestName.of("web1");
    Path file = conf(web, "hostname = one\n");
    GuestFiles files = files();
    files.config(web);
    Files.delete(file);
    assertThatThrownBy(() -> files.config(web))
        .isInstanceOf(JvsException.class)
        .hasMessageContaining("guest.conf");
  }
}
