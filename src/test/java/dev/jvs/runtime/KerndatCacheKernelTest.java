package dev.jvs.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * criu, as root, reads its kernel probe from a world-writable tmpfs: jvs hands it only a cache
 * directory no other user could have written into (real chown and modes; the test runs as root).
 */
@Tag("kernel")
class KerndatCacheKernelTest {
  private static final int STRANGER = 65_534;

  @TempDir Path tmp;

  private static int uid(Path p) throws Exception {
    return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void aMissingCacheIsMadeRootsOwnAndKeptThen() throws Exception {
    Path dir = tmp.resolve("jvs-criu");
    KerndatCache.secure("web1", dir);
    assertThat(uid(dir)).isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    Files.writeString(dir.resolve("criu.kdat"), "criu's own");
    KerndatCache.secure("web1", dir);
    assertThat(dir.resolve("criu.kdat")).hasContent("criu's own");
  }

  @Test
  void aStrangersDirectoryAndWhatItHoldsAreReplaced() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("jvs-criu"));
    Path planted = Files.writeString(dir.resolve("criu.kdat"), "forged");
    Files.setAttribute(planted, "unix:uid", STRANGER);
    Files.setAttribute(dir, "unix:uid", STRANGER);
    KerndatCache.secure("web1", dir);
    assertThat(uid(dir)).isZero();
    assertThat(dir.resolve("criu.kdat")).doesNotExist();
  }

  @Test
  void aRootDirectoryOthersMayWriteIsReplacedToo() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("jvs-criu"));
    Files.writeString(dir.resolve("criu.kdat"), "anyone's");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    KerndatCache.secure("web1", dir);
    assertThat(dir.resolve("criu.kdat")).doesNotExist();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
  }

  @Test
  void aSymbolicLinkGoesAndWhatItNamedStays() throws Exception {
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    Path kept = Files.writeString(elsewhere.resolve("criu.kdat"), "not the cache");
    Path dir = Files.createSymbolicLink(tmp.resolve("jvs-criu"), elsewhere);
    KerndatCache.secure("web1", dir);
    assertThat(Files.isSymbolicLink(dir)).isFalse();
    assertThat(Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(dir.resolve("criu.kdat")).doesNotExist();
    assertThat(kept).hasContent("not the cache");
  }

  @Test
  void withoutItsParentThereIsNothingToCacheOrRead() {
    Path dir = tmp.resolve("no-shm").resolve("jvs-criu");
    KerndatCache.secure("web1", dir);
    assertThat(dir).doesNotExist();
  }
}
