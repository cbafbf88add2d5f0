package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, acceptance 2 and 3: OCI layouts and docker/oci archives become templates, layers in
 * order with whiteouts and opaque directories, the image config as the application default; guests'
 * writes stay in their own upper layer.
 */
@Tag("kernel")
class OciImportKernelTest {
  static final ImageConfig PROCESS =
      new ImageConfig(
          List.of("GREETING=hello", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
          List.of("/bin/sh", "-c"),
          List.of("echo \"$GREETING from $(pwd) as $(id -u):$(id -g)\""),
          "/app",
          "nobody");

  /** Three layers over the busybox rootfs: replace, whiteout, opaque dir, hard and soft links. */
  static List<Path> layers(TestHost host) throws IOException {
    Path busybox = new Templates(host.dirs().templates()).ensure("busybox");
    Path work = Files.createDirectories(host.base().resolve("layers"));
    Path l1 = work.resolve("l1.tar");
    try (TarBuilder t = new TarBuilder(l1)) {
      t.tree(busybox)
          .dir("home/old", 0755)
          .file("home/old/a.txt", "old")
          .file("etc/motd", "one\n")
          .dir("data", 0755)
          .file("data/keep.txt", "keep");
    }
    Path l2 = work.resolve("l2.tar");
    try (TarBuilder t = new TarBuilder(l2)) {
      t.file("home/new.txt", "new")
          .file("home/.wh..wh..opq", "") // listed after an entry of its own layer: that one stays
          .file("etc/.wh.hosts", "")
          .file("etc/motd", "two\n")
          .dir("app", 0755)
          .hardlink("app/motd-link", "etc/motd")
          .symlink("app/sh", "/bin/busybox");
    }
    Path l3 = work.resolve("l3.tar");
    try (TarBuilder t = new TarBuilder(l3)) {
      t.file("data/.wh.keep.txt", "").file("data/added.txt", "added");
    }
    return List.of(l1, l2, l3);
  }

  static void assertLayersApplied(Path rootfs) throws IOException {
    assertThat(rootfs.resolve("etc/hosts")).doesNotExist();
    assertThat(rootfs.resolve("home/old")).doesNotExist();
    assertThat(rootfs.resolve("home/new.txt")).hasContent("new");
    assertThat(rootfs.resolve("etc/motd")).hasContent("two");
    assertThat(rootfs.resolve("data/keep.txt")).doesNotExist();
    assertThat(rootfs.resolve("data/added.txt")).hasContent("added");
    assertThat(Files.isSameFile(rootfs.resolve("app/motd-link"), rootfs.resolve("etc/motd")))
        .isTrue();
    assertThat(Files.readSymbolicLink(rootfs.resolve("app/sh"))).isEqualTo(Path.of("/bin/busybox"));
    assertThat(Files.isExecutable(rootfs.resolve("bin/busybox"))).isTrue();
  }

  static void assertImageDefaults(TestHost host, String template) {
    GuestName g = GuestName.of("app-" + template);
    host.guests().build(g, template);
    TestHost.Run run = host.runApplication(g);
    assertThat(run.code()).as(run.output()).isZero();
    assertThat(run.output().strip()).isEqualTo("hello from /app as 65534:65534");
    TestHost.Run given = host.runApplication(g, "cat /etc/motd; echo $GREETING");
    assertThat(given.output()).isEqualTo("two\nhello\n");
    host.guests().delete(g, false);
  }

  @Test
  void ociLayoutDirectoryBecomesATemplateWithTheImageDefaults() throws IOException {
    try (TestHost host = new TestHost()) {
      Path layout = TestImages.ociLayout(host.base().resolve("oci"), layers(host), PROCESS);
      Templates templates = new Templates(host.dirs().templates());
      TemplateSources.forHost(templates, Map.of()).importImage("img", layout);
      assertLayersApplied(templates.rootfs("img"));
      assertThat(templates.imageConfig("img")).contains(PROCESS);
      assertThat(templates.list()).extracting(Templates.Info::name).contains("img");
      assertImageDefaults(host, "img");
    }
  }

  @Test
  void dockerArchiveAndOciArchiveTarballsImportAlike() throws IOException {
    try (TestHost host = new TestHost()) {
      List<Path> layers = layers(host);
      Path docker =
          TestImages.dockerArchive(
              host.base().resolve("docker.tar"), host.base().resolve("docker"), layers, PROCESS);
      Path layout = TestImages.ociLayout(host.base().resolve("oci"), layers, PROCESS);
      Path oci = host.base().resolve("oci.tar");
      TarBuilder.archive(layout, oci);
      Templates templates = new Templates(host.dirs().templates());
      TemplateSources sources = TemplateSources.forHost(templates, Map.of());
      sources.importImage("fromdocker", docker);
      sources.importImage("fromoci", oci);
      assertLayersApplied(templates.rootfs("fromdocker"));
      assertLayersApplied(templates.rootfs("fromoci"));
      assertImageDefaults(host, "fromdocker");
      assertImageDefaults(host, "fromoci");
      // Nothing of the unpacked archives stays behind in the store.
      try (var s = Files.list(host.dirs().templates())) {
        assertThat(s.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder(".lock", "busybox", "fromdocker", "fromoci");
      }
    }
  }

  @Test
  void writesDeletesAndRenamesStayInTheGuestsOwnLayer() throws IOException {
    try (TestHost host = new TestHost()) {
      GuestName a = GuestName.of("cow-a");
      GuestName b = GuestName.of("cow-b");
      host.guests().build(a, "busybox");
      host.guests().build(b, "busybox");
      Path template = new Templates(host.dirs().templates()).rootfs("busybox");
      TestHost.Run w =
          host.runApplication(
              a,
              "/bin/sh",
              "-c",
              "echo changed > /etc/hosts && rm /etc/group && mv /etc/passwd /etc/passwd.moved"
                  + " && echo new > /newfile && rm /bin/ls && cat /etc/hosts");
      assertThat(w.output()).isEqualTo("changed\n");
      TestHost.Run r =
          host.runApplication(
              b,
              "/bin/sh",
              "-c",
              "cat /etc/hosts; ls /etc/group /etc/passwd /bin/ls; ls /newfile /etc/passwd.moved");
      assertThat(r.output())
          .contains("127.0.0.1 localhost", "/etc/group", "/etc/passwd", "/bin/ls")
          .contains("/newfile: No such file", "/etc/passwd.moved: No such file");
      assertThat(template.resolve("etc/hosts")).content().contains("127.0.0.1 localhost");
      assertThat(template.resolve("etc/group")).exists();
      assertThat(template.resolve("etc/passwd")).exists();
      assertThat(template.resolve("newfile")).doesNotExist();
      assertThat(Files.exists(template.resolve("bin/ls"), LinkOption.NOFOLLOW_LINKS)).isTrue();
      // The changes persist in a's own layer for its next run.
      assertThat(host.runApplication(a, "/bin/sh", "-c", "cat /etc/hosts /newfile").output())
          .isEqualTo("changed\nnew\n");
    }
  }
}
