package dev.jvs.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an image for import: an OCI image layout directory (oci-layout, index.json, blobs/), a
 * directory in `docker save` form (manifest.json), or either of them as a tarball (oci-archive,
 * docker-archive; plain or gzip). Blobs are checked against their digests and layers against the
 * config's diff_ids, so a corrupt or truncated image is refused before anything is kept.
 */
final class OciImage {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";
  private static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";

  /** The layers, bottom first, and the image config. */
  record Resolved(List<Path> layers, List<String> diffIds, ImageConfig config) {}

  private OciImage() {}

  /**
   * Builds {@code rootfs} from the image at {@code source}; {@code scratch} is an empty directory
   * on the store's filesystem for unpacking an archive. Returns the image config.
   */
  static ImageConfig unpack(Path source, Path rootfs, Path scratch) {
    Path layout = source;
    if (!Files.isDirectory(source)) {
      if (!Files.isRegularFile(source)) {
        throw new ImageException(
            source
                + ": no such image (expected an OCI layout directory or"
                + " a docker-archive/oci-archive tarball)");
      }
      layout = scratch.resolve("image");
      try {
        Files.createDirectory(layout);
      } catch (IOException e) {
        throw new ImageException(source + ": " + e.getMessage(), e);
      }
      Layers.extract(source, layout, source.toString());
    }
    Resolved image = resolve(layout, source.toString());
    try {
      Files.createDirectory(rootfs);
      Files.setAttribute(rootfs, "unix:mode", 0755);
    } catch (IOException e) {
      throw new ImageException(source + ": " + e.getMessage(), e);
    }
    for (int i = 0; i < image.layers().size(); i++) {
      String what = source + ": layer " + (i + 1) + " of " + image.layers().size();
      String diffId = Layers.apply(image.layers().get(i), rootfs, what);
      if (i < image.diffIds().size() && !image.diffIds().get(i).equals(diffId)) {
        throw new ImageException(
            what + ": content does not match the image config's diff_id" + " (corrupt image)");
      }
    }
    return image.config();
  }

  static Resolved resolve(Path dir, String what) {
    try {
      if (Files.isRegularFile(dir.resolve("index.json"), LinkOption.NOFOLLOW_LINKS)) {
        return oci(dir, what);
      }
      if (Files.isRegularFile(dir.resolve("manifest.json"), LinkOption.NOFOLLOW_LINKS)) {
        return docker(dir, what);
      }
    } catch (IOException e) {
      throw new ImageException(what + ": corrupt image (" + e.getMessage() + ")", e);
    }
    throw new ImageException(what + ": not an image (no index.json or manifest.json)");
  }

  private static Resolved oci(Path dir, String what) throws IOException {
    JsonNode node = JSON.readTree(dir.resolve("index.json").toFile());
    // An index may point at further indexes (multi-platform images): take linux/amd64.
    for (int depth = 0; depth < 4; depth++) {
      JsonNode manifests = node.path("manifests");
      if (!manifests.isArray() || manifests.isEmpty()) {
        throw new ImageException(what + ": index lists no manifest");
      }
      JsonNode pick = manifests.get(0);
      for (JsonNode m : manifests) {
        JsonNode platform = m.path("platform");
        if (platform.path("os").asText("linux").equals("linux")
            && platform.path("architecture").asText("amd64").equals("amd64")) {
          pick = m;
          break;
        }
      }
      node = JSON.readTree(blob(dir, pick.path("digest").asText(), what).toFile());
      String type = node.path("mediaType").asText(pick.path("mediaType").asText(""));
      if (!type.equals(INDEX_TYPE) && !type.equals(DOCKER_LIST) && !node.has("manifests")) {
        JsonNode config =
            JSON.readTree(blob(dir, node.path("config").path("digest").asText(), what).toFile());
        List<Path> layers = new ArrayList<>();
        for (JsonNode l : node.path("layers")) {
          layers.add(blob(dir, l.path("digest").asText(), what));
        }
        return new Resolved(layers, diffIds(config), ImageConfig.fromImageJson(config));
      }
    }
    throw new ImageException(what + ": image indexes nest too deep");
  }

  private static Resolved docker(Path dir, String what) throws IOException {
    JsonNode manifest = JSON.readTree(dir.resolve("manifest.json").toFile());
    if (!manifest.isArray() || manifest.isEmpty()) {
      throw new ImageException(what + ": manifest.json lists no image");
    }
    JsonNode image = manifest.get(0);
    JsonNode config = JSON.readTree(inside(dir, image.path("Config").asText(), what).toFile());
    List<Path> layers = new ArrayList<>();
    for (JsonNode l : image.path("Layers")) {
      layers.add(inside(dir, l.asText(), what));
    }
    return new Resolved(layers, diffIds(config), ImageConfig.fromImageJson(config));
  }

  private static List<String> diffIds(JsonNode config) {
    List<String> out = new ArrayList<>();
    config.path("rootfs").path("diff_ids").forEach(n -> out.add(n.asText()));
    return out;
  }

  /** A content-addressed blob, verified against its digest. */
  private static Path blob(Path dir, String digest, String what) throws IOException {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new ImageException(what + ": unsupported or malformed digest '" + digest + "'");
    }
    Path p = inside(dir, "blobs/sha256/" + digest.substring(7), what);
    if (!Layers.digest(p).equals(digest)) {
      throw new ImageException(
          what
              + ": blob "
              + digest.substring(0, 19)
              + "… does not match its digest (corrupt or truncated image)");
    }
    return p;
  }

  /** A file named by the image, which must be a regular file inside its directory. */
  private static Path inside(Path dir, String name, String what) {
    List<String> parts = SafeTree.components(name);
    Path p = new SafeTree(dir).existing(name, parts);
    if (p == null || parts.isEmpty() || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new ImageException(what + ": missing '" + name + "' (corrupt or truncated image)");
    }
    return p;
  }
}
