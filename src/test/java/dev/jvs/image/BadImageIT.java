package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import dev.jvs.guest.GuestName;
import dev.jvs.testing.Cli;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, acceptance 8: a corrupt or truncated tarball, path traversal in layer entries, removing
 * a template in use and a full disk each give a one-line error (the packaged CLI); no half template
 * is left in the store and nothing outside it is touched.
 */
@Tag("kernel")
class BadImageIT {

  private static Path layerImage(TestHost host, String name, TarWriter layer) throws IOException {
    Path base = new Templates(host.dirs().templates()).ensure("busybox");
    Path l1 = host.base().resolve(name + "-l1.tar");
    try (TarBuilder t = new TarBuilder(l1)) {
      t.tree(base);
    }
    Path l2 = host.base().resolve(name + "-l2.tar");
    try (TarBuilder t = new TarBuilder(l2)) {
      layer.write(t);
    }
    return TestImages.ociLayout(host.base().resolve(name), List.of(l1, l2), ImageConfig.NONE);
  }

  interface TarWriter {
    void write(TarBuilder t) throws IOException;
  }

  private static List<String> storeEntries(TestHost host) throws IOException {
    try (Stream<Path> s = Files.list(host.dirs().templates())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String importFails(TestHost host, Path image) {
    Cli.Result r = new Cli(host).run("template", "import", "bad", "--from", "oci:" + image);
    assertThat(r.code()).isNotZero();
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).startsWith("jvs: template bad: ");
    return r.err();
  }

  @Test
  void corruptAndTruncatedTarballsAreRefusedWholly() throws IOException {
    try (TestHost host = new TestHost()) {
      Path layout = layerImage(host, "good", t -> t.file("x.txt", "x"));
      Path archive = host.base().resolve("good.tar");
      TarBuilder.archive(layout, archive);
      byte[] bytes = Files.readAllBytes(archive);

      Path garbage = host.base().resolve("garbage.tar");
      byte[] noise = new byte[64 * 1024];
      new java.util.Random(4).nextBytes(noise);
      Files.write(garbage, noise);
      assertThat(importFails(host, garbage)).contains("corrupt");

      Path truncated = host.base().resolve("truncated.tar");
      Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
      assertThat(importFails(host, truncated)).containsAnyOf("truncated", "corrupt");

      // A layer blob cut short inside an otherwise complete layout: its digest gives it away.
      Path blobs = layout.resolve("blobs/sha256");
      Path biggest;
      try (Stream<Path> s = Files.list(blobs)) {
        biggest = s.max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
      }
      Files.write(biggest, java.util.Arrays.copyOf(Files.readAllBytes(biggest), 10_000));
      assertThat(importFails(host, layout)).contains("does not match its digest");

      assertThat(storeEntries(host)).containsExactly(".lock", "busybox");
    }
  }

  @Test
  void pathTraversalAndEscapingSymlinksAreRefused() throws IOException {
    try (TestHost host = new TestHost()) {
      Path outside = Files.createDirectories(host.base().resolve("outside"));
      Files.writeString(outside.resolve("victim"), "original");
      Path dotdot = layerImage(host, "dotdot", t -> t.file("../../../../outside/victim", "pwned"));
      assertThat(importFails(host, dotdot)).contains("climbs out of the root with '..'");

      Path viaLink =
          layerImage(
              host,
              "vialink",
              t ->
                  t.symlink("etc2", outside.toString())
                      .file("etc2/victim", "pwned")
                      .file("etc2/new", "pwned"));
      assertThat(importFails(host, viaLink)).contains("passes through the symbolic link 'etc2'");

      Path hardlink = layerImage(host, "hardlink", t -> t.hardlink("x", "../../../outside/victim"));
      assertThat(importFails(host, hardlink)).contains("climbs out");

      // An absolute symlink by itself is fine: it only means something inside the guest.
      Path plainLink = layerImage(host, "plainlink", t -> t.symlink("hostpasswd", "/etc/passwd"));
      Templates templates = new Templates(host.dirs().templates());
      TemplateSources.forHost(templates, Map.of()).importImage("ok", plainLink);
      assertThat(Files.readSymbolicLink(templates.rootfs("ok").resolve("hostpasswd")))
          .isEqualTo(Path.of("/etc/passwd"));

      assertThat(outside.resolve("victim")).hasContent("original");
      try (Stream<Path> s = Files.list(outside)) {
        assertThat(s).hasSize(1);
      }
      assertThat(storeEntries(host)).containsExactly(".lock", "busybox", "ok");
    }
  }

  @Test
  void aTemplateInUseCannotBeRemoved() throws IOException {
    try (TestHost host = new TestHost()) {
      Path image = layerImage(host, "img", t -> t.file("marker", "m"));
      Cli cli = new Cli(host);
      assertThat(cli.run("template", "import", "app", "--from", "oci:" + image).code()).isZero();
      assertThat(cli.run("build", "g1", "--template", "app").code()).isZero();
      assertThat(cli.run("clone", "g1", "g2").code()).isZero();
      Cli.Result rm = cli.run("template", "rm", "app");
      assertThat(rm.code()).isNotZero();
      assertThat(rm.err())
          .isEqualTo("jvs: template app: in use by guests g1, g2 (delete them first)\n");
      assertThat(new Templates(host.dirs().templates()).rootfs("app").resolve("marker")).exists();
      host.guests().delete(GuestName.of("g1"), false);
      host.guests().delete(GuestName.of("g2"), false);
      assertThat(cli.run("template", "rm", "app").code()).isZero();
      assertThat(cli.run("template", "list").out()).doesNotContain("app");
      assertThat(storeEntries(host)).containsExactly(".lock", "busybox");
    }
  }

  @Test
  void aKilledImportLeavesNoTemplateAndTheNextOneSweepsItsRemains() throws Exception {
    try (TestHost host = new TestHost()) {
      Path image = layerImage(host, "huge", t -> t.file("huge.bin", new byte[256 << 20], 0644));
      Cli cli = new Cli(host);
      Process p =
          cli.builder("template", "import", "huge", "--from", "oci:" + image)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      Path templates = host.dirs().templates();
      boolean staging = false;
      for (int i = 0; i < 3000 && !staging && p.isAlive(); i++) {
        Thread.sleep(10);
        try (Stream<Path> s = Files.exists(templates) ? Files.list(templates) : Stream.empty()) {
          staging = s.anyMatch(f -> f.getFileName().toString().startsWith(".huge.build-"));
        }
      }
      assertThat(staging).as("the import reached its staging directory").isTrue();
      p.destroyForcibly().waitFor();
      assertThat(cli.run("template", "list").out()).doesNotContain("huge");
      assertThat(new Templates(templates).names()).containsExactly("busybox");
      assertThat(
              cli.run(
                      "template",
                      "import",
                      "small",
                      "--from",
                      "oci:" + layerImage(host, "small", t -> t.file("s", "s")))
                  .code())
          .isZero();
      assertThat(storeEntries(host)).containsExactly(".lock", "busybox", "small");
    }
  }

  @Test
  void aFullDiskDuringImportLeavesNothingBehind() throws Exception {
    try (TestHost host = new TestHost()) {
      Path image = layerImage(host, "big", t -> t.file("big.bin", new byte[12 << 20], 0644));
      Path small = Files.createDirectories(host.base().resolve("small"));
      mount("mount", "-t", "tmpfs", "-o", "size=8m", "jvs-test-small", small.toString());
      try {
        Templates templates = new Templates(small.resolve("templates"));
        assertThatThrownBy(
                () -> TemplateSources.forHost(templates, Map.of()).importImage("big", image))
            .isInstanceOf(JvsException.class)
            .hasMessageContaining("template big: ")
            .hasMessageContaining("No space left on device")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        try (Stream<Path> s = Files.list(small.resolve("templates"))) {
          assertThat(s.map(p -> p.getFileName().toString())).containsExactly(".lock");
        }
      } finally {
        mount("umount", small.toString());
      }
    }
  }

  private static void mount(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }
}
