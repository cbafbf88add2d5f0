package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image's User is looked up in the template's own files, never through a link out of it. */
class GuestUserTest {
  @TempDir Path dir;

  private Path rootfs() throws Exception {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    Path host = Files.createDirectories(dir.resolve("host-etc"));
    Files.writeString(host.resolve("passwd"), "eve:x:4242:4343::/:/bin/sh\n");
    Files.writeString(host.resolve("group"), "staff:x:4444:\n");
    return rootfs;
  }

  @Test
  void readsTheTemplatesOwnPasswdAndGroup() throws Exception {
    Path rootfs = rootfs();
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/passwd"), "web:x:33:34::/:/bin/sh\n");
    Files.writeString(rootfs.resolve("etc/group"), "www:x:35:\n");
    assertThat(GuestUser.resolve("web", rootfs)).isEqualTo(new GuestUser(33, 34));
    assertThat(GuestUser.resolve("web:www", rootfs)).isEqualTo(new GuestUser(33, 35));
    assertThat(GuestUser.resolve("33", rootfs)).isEqualTo(new GuestUser(33, 34));
  }

  @Test
  void aTemplatesEtcLinkedToTheHostsIsNotRead() throws Exception {
    Path rootfs = rootfs();
    Files.createSymbolicLink(rootfs.resolve("etc"), dir.resolve("host-etc"));
    assertThatThrownBy(() -> GuestUser.resolve("eve", rootfs))
        .isInstanceOf(JvsException.class)
        .hasMessageContaining("no such user in the template's /etc/passwd");
    assertThat(GuestUser.resolve("4242", rootfs)).isEqualTo(new GuestUser(4242, 4242));
  }

  @Test
  void aTemplatesPasswdLinkedToTheHostsIsNotRead() throws Exception {
    Path rootfs = rootfs();
    Files.createDirectories(rootfs.resolve("etc"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), dir.resolve("host-etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/group"), dir.resolve("host-etc/group"));
    assertThatThrownBy(() -> GuestUser.resolve("eve", rootfs)).hasMessageContaining("no such user");
    assertThatThrownBy(() -> GuestUser.resolve("0:staff", rootfs))
        .hasMessageContaining("no such group in the template's /etc/group");
  }
}
