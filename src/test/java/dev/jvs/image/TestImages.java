package dev.jvs.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Test images written by hand (no registry): an OCI image layout directory, a docker-archive and an
 * oci-archive, from layer tarballs and an image config.
 */
final class TestImages {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestImages() {}

  /** The image config: Env, Entrypoint, Cmd, WorkingDir, User and the layers' diff_ids. */
  static ObjectNode config(List<Path> layers, ImageConfig process) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("architecture", "amd64");
    root.put("os", "linux");
    ObjectNode c = root.putObject("config");
    ArrayNode env = c.putArray("Env");
    process.env().forEach(env::add);
    ArrayNode ep = c.putArray("Entrypoint");
    process.entrypoint().forEach(ep::add);
    ArrayNode cmd = c.putArray("Cmd");
    process.cmd().forEach(cmd::add);
    c.put("WorkingDir", process.workingDir());
    c.put("User", process.user());
    ObjectNode rootfs = root.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    for (Path l : layers) {
      ids.add(Layers.digest(l));
    }
    return root;
  }

  /** An OCI image layout in {@code dir}; layers with an odd index are stored gzip-compressed. */
  static Path ociLayout(Path dir, List<Path> layers, ImageConfig process) throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    ObjectNode cfg = manifest.putObject("config");
    cfg.put("mediaType", "application/vnd.oci.image.config.v1+json");
    cfg.put("digest", blob(dir, JSON.writeValueAsBytes(config(layers, process))));
    ArrayNode ls = manifest.putArray("layers");
    for (int i = 0; i < layers.size(); i++) {
      byte[] bytes = Files.readAllBytes(layers.get(i));
      boolean gzip = i % 2 == 1;
      if (gzip) {
        var buf = new java.io.ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(buf)) {
          z.write(bytes);
        }
        bytes = buf.toByteArray();
      }
      ObjectNode l = ls.addObject();
      l.put("mediaType", "application/vnd.oci.image.layer.v1.tar" + (gzip ? "+gzip" : ""));
      l.put("digest", blob(dir, bytes));
      l.put("size", bytes.length);
    }
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    ObjectNode m = index.putArray("manifests").addObject();
    m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    m.put("digest", blob(dir, JSON.writeValueAsBytes(manifest)));
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
    return dir;
  }

  /** `docker save` form: manifest.json, the config and LAYER/layer.tar, tarred. */
  static Path dockerArchive(Path file, Path work, List<Path> layers, ImageConfig process)
      throws IOException {
    Files.createDirectories(work);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Path d = Files.createDirectories(work.resolve("layer" + i));
      Files.copy(layers.get(i), d.resolve("layer.tar"));
      names.add("layer" + i + "/layer.tar");
    }
    Files.write(work.resolve("img.json"), JSON.writeValueAsBytes(config(layers, process)));
    ArrayNode manifest = JSON.createArrayNode();
    ObjectNode m = manifest.addObject();
    m.put("Config", "img.json");
    m.putArray("RepoTags").add("test:latest");
    ArrayNode ls = m.putArray("Layers");
    names.forEach(ls::add);
    Files.write(work.resolve("manifest.json"), JSON.writeValueAsBytes(manifest));
    TarBuilder.archive(work, file);
    return file;
  }

  private static String blob(Path dir, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(dir, "blob", "");
    Files.write(tmp, bytes);
    String digest = Layers.digest(tmp);
    Files.move(
        tmp,
        dir.resolve("blobs/sha256").resolve(digest.substring(7)),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return digest;
  }
}
