package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, acceptance 4: two independently imported templates with overlapping content; `unify`
 * stores the shared files once and every guest still reads its own bytes.
 */
@Tag("kernel")
class UnifyKernelTest {

  private static Path image(TestHost host, String name, String own) throws IOException {
    Path busybox = new Templates(host.dirs().templates()).ensure("busybox");
    Path layer = host.base().resolve(name + ".tar");
    try (TarBuilder t = new TarBuilder(layer)) {
      t.tree(busybox)
          .file("shared.bin", new byte[1 << 20], 0644)
          .file("own.txt", own)
          .file(
              "same-bytes-other-mode", "m".repeat(5000).getBytes(), name.equals("a") ? 0644 : 0600);
    }
    return TestImages.ociLayout(host.base().resolve(name), List.of(layer), ImageConfig.NONE);
  }

  @Test
  void identicalFilesAcrossTemplatesAreStoredOnce() throws IOException {
    try (TestHost host = new TestHost()) {
      Templates templates = new Templates(host.dirs().templates());
      TemplateSources sources = TemplateSources.forHost(templates, Map.of());
      sources.importImage("ta", image(host, "a", "I am a"));
      sources.importImage("tb", image(host, "b", "I am b"));
      GuestName ga = GuestName.of("ga");
      GuestName gb = GuestName.of("gb");
      host.guests().build(ga, "ta");
      host.guests().build(gb, "tb");
      String check = "md5sum /bin/busybox /shared.bin | cut -d' ' -f1; cat /own.txt";
      String beforeA = host.runApplication(ga, "/bin/sh", "-c", check).output();
      String beforeB = host.runApplication(gb, "/bin/sh", "-c", check).output();

      long busybox = Files.size(templates.rootfs("ta").resolve("bin/busybox"));
      Unifier.Result r = Unifier.unify(templates);
      // busybox (three copies: built-in, ta, tb) and shared.bin (two copies) each stored once.
      assertThat(r.bytesSaved()).isGreaterThanOrEqualTo(2 * busybox + (1 << 20));
      assertThat(
              Files.isSameFile(
                  templates.rootfs("ta").resolve("shared.bin"),
                  templates.rootfs("tb").resolve("shared.bin")))
          .isTrue();
      assertThat(
              Files.isSameFile(
                  templates.rootfs("ta").resolve("bin/busybox"),
                  templates.rootfs("busybox").resolve("bin/busybox")))
          .isTrue();
      // Different content, or the same bytes with another mode, stay apart.
      assertThat(
              Files.isSameFile(
                  templates.rootfs("ta").resolve("own.txt"),
                  templates.rootfs("tb").resolve("own.txt")))
          .isFalse();
      assertThat(
              Files.isSameFile(
                  templates.rootfs("ta").resolve("same-bytes-other-mode"),
                  templates.rootfs("tb").resolve("same-bytes-other-mode")))
          .isFalse();

      assertThat(host.runApplication(ga, "/bin/sh", "-c", check).output())
          .isEqualTo(beforeA)
          .endsWith("I am a");
      assertThat(host.runApplication(gb, "/bin/sh", "-c", check).output())
          .isEqualTo(beforeB)
          .endsWith("I am b");
      // A guest writing a unified file copies it up: the other template keeps its bytes.
      host.runApplication(ga, "/bin/sh", "-c", "echo changed > /shared.bin");
      assertThat(Files.size(templates.rootfs("tb").resolve("shared.bin"))).isEqualTo(1 << 20);
      assertThat(host.runApplication(gb, "/bin/sh", "-c", "wc -c < /shared.bin").output().strip())
          .isEqualTo(Integer.toString(1 << 20));
      assertThat(Unifier.unify(templates).bytesSaved()).isZero();
    }
  }
}
