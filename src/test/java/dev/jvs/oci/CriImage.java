package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A one-layer OCI image archive (image-spec layout in a tar, as bench/OciImageArchive makes them)
 * with an entrypoint, so containerd's CRI can run it as a pod's pause container without a registry.
 */
final class CriImage {
  private CriImage() {}

  /** Writes {@code dir}/image.tar: {@code rootfs} as image {@code name} running {@code entry}. */
  static Path write(Path rootfs, Path dir, String name, List<String> entry) throws IOException {
    Path layout = Files.createDirectories(dir.resolve("layout"));
    Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
    Path layerTar = dir.resolve("layer.tar");
    tar("--numeric-owner", "-C", rootfs.toString(), "-cf", layerTar.toString(), ".");
    byte[] layer = Files.readAllBytes(layerTar);
    String layerHex = blob(blobs, layer);
    Files.delete(layerTar);

    ObjectNode config = OciTestHost.JSON.createObjectNode();
    config.put("architecture", "amd64").put("os", "linux");
    ObjectNode cfg = config.putObject("config");
    cfg.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    entry.forEach(cfg.putArray("Entrypoint")::add);
    config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add("sha256:" + layerHex);
    byte[] configJson = OciTestHost.JSON.writeValueAsBytes(config);

    ObjectNode manifest =
        OciTestHost.JSON
            .createObjectNode()
            .put("schemaVersion", 2)
            .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    manifest.set(
        "config",
        descriptor(
            "application/vnd.oci.image.config.v1+json",
            blob(blobs, configJson),
            configJson.length));
    manifest
        .putArray("layers")
        .add(descriptor("application/vnd.oci.image.layer.v1.tar", layerHex, layer.length));
    byte[] manifestJson = OciTestHost.JSON.writeValueAsBytes(manifest);

    ObjectNode entryNode =
        descriptor(
            "application/vnd.oci.image.manifest.v1+json",
            blob(blobs, manifestJson),
            manifestJson.length);
    entryNode
        .putObject("annotations")
        .put("io.containerd.image.name", name)
        .put("org.opencontainers.image.ref.name", name.substring(name.lastIndexOf(':') + 1));
    ObjectNode index = OciTestHost.JSON.createObjectNode().put("schemaVersion", 2);
    index.putArray("manifests").add(entryNode);
    Files.write(layout.resolve("index.json"), OciTestHost.JSON.writeValueAsBytes(index));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Path archive = dir.resolve("image.tar");
    tar("-C", layout.toString(), "-cf", archive.toString(), "oci-layout", "index.json", "blobs");
    return archive;
  }

  private static void tar(String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("tar"));
    cmd.addAll(List.of(args));
    OciTestHost.Result r = OciTestHost.run(new ProcessBuilder(cmd), null, 120);
    assertThat(r.code()).as("tar: %s", r.err()).isZero();
  }

  private static String blob(Path blobs, byte[] content) throws IOException {
    try {
      String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
      Files.write(blobs.resolve(hex), content);
      return hex;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode descriptor(String mediaType, String hex, long size) {
    return OciTestHost.JSON
        .createObjectNode()
        .put("mediaType", mediaType)
        .put("digest", "sha256:" + hex)
        .put("size", size);
  }
}
