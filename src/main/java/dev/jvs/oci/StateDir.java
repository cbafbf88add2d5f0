package dev.jvs.oci;

import dev.jvs.image.Trees;
import dev.jvs.runtime.Instance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The OCI runtime root ({@code --root}, default /run/jvs-oci): one directory per container with the
 * core's state.json, a copy of the config.json it was created from and, until start, its FIFO; one
 * lock file per container under {@code .locks}.
 */
public final class StateDir {
  private static final Pattern ID = Pattern.compile("[\\w+.-]+");
  static final String CONFIG = "config.json";

  private final Path root;

  public StateDir(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  static void checkId(String id) {
    if (id == null
        || id.isEmpty()
        || !ID.matcher(id).matches()
        || id.equals(".")
        || id.equals("..")) {
      throw new OciException("invalid container id format: " + id);
    }
  }

  Path dir(String id) {
    checkId(id);
    return root.resolve(id);
  }

  Path fifo(String id) {
    return dir(id).resolve("exec.fifo");
  }

  /**
   * The container as the runtime core knows it; its cgroup from its state (or, at create, its
   * config). Control sockets go straight under the root: a containerd id alone has 64 bytes.
   */
  Instance instance(String id, String cgroupParent, String cgroupName) {
    return new Instance(
        id, dir(id), root.resolve(".locks").resolve(id + ".lock"), root, cgroupParent, cgroupName);
  }

  boolean exists(String id) {
    return Files.isDirectory(dir(id));
  }

  /** The config.json the container was created from, as saved by create. */
  OciConfig config(String id) {
    return OciConfigReader.readBundle(dir(id));
  }

  void saveConfig(String id, Path bundleConfig) {
    try {
      Files.createDirectories(dir(id));
      Files.copy(bundleConfig, dir(id).resolve(CONFIG));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void remove(String id) {
    Trees.deleteIfExists(dir(id));
  }

  List<String> ids() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      List<String> ids = new ArrayList<>();
      s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .forEach(ids::add);
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
