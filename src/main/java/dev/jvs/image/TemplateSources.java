package dev.jvs.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where templates come from: `debian:SUITE` (debootstrap through the per-machine cache), `oci:PATH`
 * or a plain PATH (an OCI layout or docker/oci archive), and the built-in busybox.
 */
public final class TemplateSources {
  private final Templates templates;
  private final Path cache;
  private final Path etcApt;

  public TemplateSources(Templates templates, Path cache, Path etcApt) {
    this.templates = templates;
    this.cache = cache;
    this.etcApt = etcApt;
  }

  public static TemplateSources forHost(Templates templates, Map<String, String> env) {
    return new TemplateSources(templates, Debootstrap.defaultCache(env), Path.of("/etc/apt"));
  }

  /** `jvs template build NAME --from SOURCE`. */
  public void build(String name, String from, Consumer<String> progress) {
    if (from.equals(BusyboxTemplate.NAME)) {
      templates.create(
          name,
          "built-in: the host's busybox",
          (staging, rootfs) -> {
            BusyboxTemplate.build(rootfs);
            return ImageConfig.NONE;
          });
    } else if (from.startsWith("debian:")) {
      String suite = from.substring("debian:".length());
      String mirror = AptSources.mirrorFor(suite, AptSources.read(etcApt));
      Debootstrap debootstrap = new Debootstrap(cache, mirror, "amd64");
      TemplateName.check(name);
      Path cached = debootstrap.rootfs(suite, progress);
      templates.create(
          name,
          "debian:" + suite + " from " + mirror,
          (staging, rootfs) -> {
            copyTree(cached, rootfs);
            return ImageConfig.NONE;
          });
    } else if (from.startsWith("oci:")) {
      importImage(name, Path.of(from.substring(4)));
    } else {
      throw new ImageException(
          "unknown template source '" + from + "' (expected debian:SUITE, oci:PATH or busybox)");
    }
  }

  /** `jvs template import NAME --from [oci:]PATH`. */
  public void importImage(String name, Path source) {
    Path abs = source.toAbsolutePath().normalize();
    templates.create(
        name, "oci:" + abs, (staging, rootfs) -> OciImage.unpack(abs, rootfs, staging));
  }

  /**
   * Copies a read-only tree by hard links (same filesystem: near-zero disk, and the page cache is
   * shared with every other template linked from it), else by copying.
   */
  static void copyTree(Path from, Path to) throws IOException {
    if (cp(List.of("cp", "-a", "--link", from.toString(), to.toString())) != 0) {
      Trees.deleteIfExists(to);
      if (cp(List.of("cp", "-a", from.toString(), to.toString())) != 0) {
        throw new IOException("cannot copy " + from + " to " + to);
      }
    }
  }

  private static int cp(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      int rc = p.waitFor();
      if (rc != 0 && out.contains("No space left")) {
        throw new IOException("No space left on device");
      }
      return rc;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }
}
