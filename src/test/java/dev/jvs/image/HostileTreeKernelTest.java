package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item 6: symlinks a guest plants in its own tree, or an image brings, point at host
 * files by their host paths. The host-side commands that walk those trees (delete, clone, unify)
 * must not follow them out: each test checks the host files by their effect (still there, same
 * inode, same bytes, link count 1), not by an exit code.
 */
@Tag("kernel")
class HostileTreeKernelTest {
  private static final String MARK =
      "jvs-hostile-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());

  private TestHost host;
  private Path victimDir;
  private Path secret;

  @BeforeEach
  void hostFiles() throws IOException {
    host = new TestHost();
    victimDir = Files.createDirectories(host.base().resolve("host-files/victim"));
    Files.writeString(victimDir.resolve("keep"), MARK);
    secret = Files.writeString(host.base().resolve("host-files/secret"), MARK);
  }

  @AfterEach
  void leavesNothing() {
    host.close();
  }

  /** The guest plants links to the host's directory and file, by their host paths. */
  private GuestName guestWithPlantedLinks(String name) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    TestHost.Run r =
        host.runApplication(
            g,
            "/bin/sh",
            "-c",
            "ln -s "
                + victimDir
                + " /victim && ln -s "
                + secret
                + " /secret && mkdir -p /deep/er && ln -s "
                + victimDir
                + " /deep/er/victim && ln -s / /root-link && echo planted");
    assertThat(r.output()).as("the guest planted its links").contains("planted");
    return g;
  }

  private void assertHostFilesUntouched() throws IOException {
    assertThat(Files.readString(victimDir.resolve("keep"))).isEqualTo(MARK);
    assertThat(Files.readString(secret)).isEqualTo(MARK);
    assertThat((int) Files.getAttribute(secret, "unix:nlink")).isEqualTo(1);
    try (Stream<Path> s = Files.list(victimDir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("keep");
    }
  }

  @Test
  void deleteRemovesTheLinksNotWhatTheyPointAt() throws IOException {
    GuestName g = guestWithPlantedLinks("hostile-del");
    host.guests().delete(g, false);
    assertThat(host.dirs().guest(g)).doesNotExist();
    assertHostFilesUntouched();
  }

  @Test
  void cloneCopiesTheLinksAsLinks() throws IOException {
    GuestName g = guestWithPlantedLinks("hostile-src");
    GuestName copy = GuestName.of("hostile-copy");
    host.guests().clone(g, copy);
    assertHostFilesUntouched();
    // No regular file of the copy holds the host's bytes: the secret was not read through.
    try (Stream<Path> s = Files.walk(host.dirs().guest(copy))) {
      for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        assertThat(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1))
            .as("%s", p)
            .doesNotContain(MARK);
      }
    }
    TestHost.Run r = host.runApplication(copy, "/bin/sh", "-c", "readlink /secret; cat /secret");
    assertThat(r.output()).startsWith(secret.toString()).doesNotContain(MARK);
    host.guests().delete(copy, false);
    host.guests().delete(g, false);
    assertHostFilesUntouched();
  }

  @Test
  void unifyNeverLinksAHostFileIntoATemplate() throws IOException {
    // Two images each bring a link to the host's file and a regular file with its very bytes:
    // unify may join the two regular files, never the host's file with anything.
    Templates templates = new Templates(host.dirs().templates());
    TemplateSources sources = TemplateSources.forHost(templates, Map.of());
    for (String name : List.of("ha", "hb")) {
      Path layer = host.base().resolve(name + ".tar");
      try (TarBuilder t = new TarBuilder(layer)) {
        t.tree(templates.ensure("busybox"))
            .symlink("secret", secret.toString())
            .symlink("victim", victimDir.toString())
            .file("same-as-secret", MARK.getBytes(), 0644);
      }
      sources.importImage(
          name, TestImages.ociLayout(host.base().resolve(name), List.of(layer), ImageConfig.NONE));
    }
    Object secretInode = Files.getAttribute(secret, "unix:ino");
    Unifier.unify(templates);
    assertHostFilesUntouched();
    assertThat(Files.getAttribute(secret, "unix:ino")).isEqualTo(secretInode);
    assertThat(Files.isSymbolicLink(templates.rootfs("ha").resolve("secret"))).isTrue();
    assertThat(
            Files.isSameFile(
                templates.rootfs("ha").resolve("same-as-secret"),
                templates.rootfs("hb").resolve("same-as-secret")))
        .isTrue();
    templates.remove("ha", List::of);
    templates.remove("hb", List::of);
    assertHostFilesUntouched();
  }
}
