package dev.jvs.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private layer moves in two incremental dumps, the first while the guest runs: what the second
 * unpacks over the first must leave the layer exactly as it was at the freeze, deletions, overlay
 * whiteouts (character devices) and opaque directories (trusted.* xattrs) included. Real GNU tar,
 * real files (root: mknod and trusted xattrs).
 */
@Tag("kernel")
class TarStreamKernelTest {
  @TempDir Path tmp;

  private static void pass(Path from, Path to, Path snapshot, String... members) throws Exception {
    try (TarStream tar = TarStream.create(from, List.of(members), Optional.of(snapshot))) {
      TarStream.extract(tar.in(), to, "test", true);
      assertThat(tar.waitFor(30)).isTrue();
      assertThat(tar.exitValue()).isZero();
    }
  }

  private static void whiteout(Path p) throws Exception {
    Process mknod = new ProcessBuilder("mknod", p.toString(), "c", "0", "0").start();
    assertThat(mknod.waitFor()).isZero();
  }

  /**
   * A line of Python run on {@code path} (Java reaches no trusted.* xattr): its output, or null
   * when it failed.
   */
  private static String python(String code, Path path) throws Exception {
    Process p =
        new ProcessBuilder("python3", "-c", "import os,sys; " + code, path.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    return p.waitFor() == 0 ? out : null;
  }

  private static void opaque(Path dir) throws Exception {
    assertThat(python("os.setxattr(sys.argv[1], 'trusted.overlay.opaque', b'y')", dir)).isNotNull();
  }

  private static boolean isOpaque(Path dir) throws Exception {
    return "b'y'".equals(python("print(os.getxattr(sys.argv[1], 'trusted.overlay.opaque'))", dir));
  }

  @Test
  void theSecondPassLeavesTheLayerAsItWasAtTheFreeze() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("guest"));
    Path dst = Files.createDirectories(tmp.resolve("incoming"));
    Path snapshot = tmp.resolve("layer.snar");
    Path upper = Files.createDirectories(src.resolve("upper"));
    Files.writeString(src.resolve("guest.conf"), "template = busybox\n");
    Files.writeString(upper.resolve("kept"), "kept\n");
    Files.writeString(upper.resolve("changed"), "before\n");
    Files.writeString(upper.resolve("deleted"), "deleted\n");
    Files.createDirectories(upper.resolve("gone/deep"));
    Files.writeString(upper.resolve("gone/deep/f"), "f\n");
    whiteout(upper.resolve("removed-from-template"));

    pass(src, dst, snapshot, "guest.conf", "upper");
    assertThat(dst.resolve("upper/deleted")).hasContent("deleted");

    Thread.sleep(10); // a later mtime than the first pass's start
    Files.writeString(upper.resolve("changed"), "after\n");
    Files.delete(upper.resolve("deleted"));
    Files.delete(upper.resolve("gone/deep/f"));
    Files.delete(upper.resolve("gone/deep"));
    Files.delete(upper.resolve("gone"));
    Files.createDirectories(upper.resolve("etc"));
    opaque(upper.resolve("etc"));
    Files.writeString(upper.resolve("etc/new"), "new\n");
    whiteout(upper.resolve("etc/hidden"));
    Files.createDirectories(src.resolve("checkpoint"));
    Files.writeString(src.resolve("checkpoint/core-1.img"), "images\n");
    pass(src, dst, snapshot, "checkpoint", "guest.conf", "upper");

    assertThat(dst.resolve("guest.conf")).hasContent("template = busybox");
    assertThat(dst.resolve("checkpoint/core-1.img")).hasContent("images");
    assertThat(dst.resolve("upper/kept")).hasContent("kept");
    assertThat(dst.resolve("upper/changed")).hasContent("after");
    assertThat(dst.resolve("upper/deleted")).doesNotExist();
    assertThat(dst.resolve("upper/gone")).doesNotExist();
    assertThat(dst.resolve("upper/etc/new")).hasContent("new");
    assertThat(isOpaque(dst.resolve("upper/etc"))).as("opaque directory").isTrue();
    for (String w : List.of("upper/removed-from-template", "upper/etc/hidden")) {
      assertThat(Files.getAttribute(dst.resolve(w), "unix:rdev", LinkOption.NOFOLLOW_LINKS))
          .as(w + ": a whiteout, device 0:0")
          .isEqualTo(0L);
      assertThat(
              Files.readAttributes(
                      dst.resolve(w), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                  .isOther())
          .as(w + ": a device node")
          .isTrue();
    }
  }

  /** A big file streams whole through both tars' sockets; a stream cut short fails in one line. */
  @Test
  void aStreamCutShortFailsWithTarsFirstLine() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("guest/upper"));
    byte[] big = new byte[8 << 20];
    Arrays.fill(big, (byte) 'j');
    big[big.length - 1] = 'x';
    Files.write(src.resolve("big"), big);
    byte[] archive;
    try (TarStream tar = TarStream.create(src.getParent(), List.of("upper"))) {
      archive = tar.in().readAllBytes();
      assertThat(tar.waitFor(30)).isTrue();
      assertThat(tar.exitValue()).isZero();
    }
    Path whole = Files.createDirectories(tmp.resolve("whole"));
    TarStream.extract(new ByteArrayInputStream(archive), whole, "whole");
    assertThat(Files.mismatch(whole.resolve("upper/big"), src.resolve("big"))).isEqualTo(-1);

    Path cut = Files.createDirectories(tmp.resolve("cut"));
    InputStream half = new ByteArrayInputStream(archive, 0, archive.length / 2);
    assertThatThrownBy(() -> TarStream.extract(half, cut, "mover: files"))
        .isInstanceOf(JvsException.class)
        .hasMessageStartingWith("mover: files: tar: ")
        .hasMessageNotContaining("\n");
    assertThat(
            ProcessHandle.current()
                .children()
                .filter(p -> p.info().command().orElse("").endsWith("tar")))
        .as("no tar left running")
        .isEmpty();
  }
}
