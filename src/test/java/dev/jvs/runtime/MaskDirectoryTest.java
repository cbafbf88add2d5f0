package dev.jvs.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The empty directory masks show: root's, without a write bit, empty; else made anew. */
class MaskDirectoryTest {
  @TempDir Path dir;

  @Test
  void madeEmptyAndUnwritableAndKeptWhileItStaysSo() throws Exception {
    Path empty = dir.resolve("jvs-empty");
    assertThat(MaskDirectory.ensure(empty)).isEqualTo(empty);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(empty)))
        .doesNotContain("w");
    Object inode = Files.readAttributes(empty, "unix:ino").get("ino");
    MaskDirectory.ensure(empty);
    assertThat(Files.readAttributes(empty, "unix:ino").get("ino")).isEqualTo(inode);
  }

  @Test
  void whatAStrangerPutInItsPlaceIsReplacedNotFollowed() throws Exception {
    Path empty = dir.resolve("jvs-empty");
    Path target = Files.createDirectory(dir.resolve("target"));
    Files.writeString(target.resolve("kept"), "x");
    Files.createSymbolicLink(empty, target);
    MaskDirectory.ensure(empty);
    assertThat(Files.isSymbolicLink(empty)).isFalse();
    assertThat(target.resolve("kept")).hasContent("x"); // what the link named is untouched

    Files.writeString(empty.resolve("planted"), "x"); // root writes it all the same
    MaskDirectory.ensure(empty);
    try (var entries = Files.list(empty)) {
      assertThat(entries).isEmpty();
    }

    Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rwxrwxrwx"));
    MaskDirectory.ensure(empty);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(empty)))
        .doesNotContain("w");
    assertThat(Files.isDirectory(empty, LinkOption.NOFOLLOW_LINKS)).isTrue();
  }
}
