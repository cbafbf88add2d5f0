package dev.jvs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * A one-layer OCI image archive (image-spec 1.0 layout in a tar) made from a rootfs directory, so
 * containerd can import a locally made busybox image without any registry.
 */
final class OciImageArchive {
  private static final Duration TAR_TIMEOUT = Duration.ofMinutes(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  private OciImageArchive() {}

  /** Writes {@code dir}/image.tar holding {@code rootfs} as image {@code name}; returns it. */
  static Path write(Path rootfs, Path dir, String name, HostCommands commands) {
    try {
      Path layout = Files.createDirectories(dir.resolve("layout"));
      Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
      Path layerTar = dir.resolve("layer.tar");
      commands.check(
          List.of(
              "tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", layerTar.toString(), "."),
          TAR_TIMEOUT);
      String layer = digest(layerTar);
      long layerSize = Files.size(layerTar);
      Files.move(layerTar, blobs.resolve(layer));

      ObjectNode config = JSON.createObjectNode();
      config.put("architecture", "amd64").put("os", "linux");
      config
          .putObject("config")
          .putArray("Env")
          .add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      ObjectNode fs = config.putObject("rootfs").put("type", "layers");
      fs.putArray("diff_ids").add("sha256:" + layer);
      Descriptor configBlob = blob(blobs, JSON.writeValueAsBytes(config));

      ObjectNode manifest =
          JSON.createObjectNode()
              .put("schemaVersion", 2)
              .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
      manifest.set("config", descriptor("application/vnd.oci.image.config.v1+json", configBlob));
      manifest
          .putArray("layers")
          .add(
              descriptor(
                  "application/vnd.oci.image.layer.v1.tar", new Descriptor(layer, layerSize)));
      Descriptor manifestBlob = blob(blobs, JSON.writeValueAsBytes(manifest));

      ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
      ObjectNode entry = descriptor("application/vnd.oci.image.manifest.v1+json", manifestBlob);
      entry
          .putObject("annotations")
          .put("io.containerd.image.name", name)
          .put("org.opencontainers.image.ref.name", name.substring(name.lastIndexOf(':') + 1));
      index.putArray("manifests").add(entry);
      Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
      Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");

      Path archive = dir.resolve("image.tar");
      commands.check(
          List.of(
              "tar",
              "-C",
              layout.toString(),
              "-cf",
              archive.toString(),
              "oci-layout",
              "index.json",
              "blobs"),
          TAR_TIMEOUT);
      return archive;
    } catch (IOException e) {
      throw new UncheckedIOException("OCI image: " + e.getMessage(), e);
    }
  }

  private record Descriptor(String hex, long size) {}

  private static Descriptor blob(Path blobs, byte[] content) throws IOException {
    String hex = HexFormat.of().formatHex(sha256().digest(content));
    Files.write(blobs.resolve(hex), content);
    return new Descriptor(hex, content.length);
  }

  private static ObjectNode descriptor(String mediaType, Descriptor d) {
    return JSON.createObjectNode()
        .put("mediaType", mediaType)
        .put("digest", "sha256:" + d.hex())
        .put("size", d.size());
  }

  private static String digest(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
