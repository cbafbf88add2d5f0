package dev.jvs.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.base.AtomicFiles;
import dev.jvs.image.Trees;
import dev.jvs.kernel.FileLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The OCI runtime root ({@code --root}, default /run/jvs-oci): one directory per container. */
public final class StateDir {
  private static final Pattern ID = Pattern.compile("[\\w+.-]+");
  private static final ObjectMapper JSON = OciConfigReader.mapper();

  private final Path root;

  public StateDir(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  static void checkId(String id) {
    if (id == null || id.isEmpty() || !ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
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
   * A control socket for one launch: short (a Unix socket path has 107 bytes, a containerd id
   * alone 64), unique per caller and thread (the warm service runs verbs side by side),
   * directly under the root; the launcher removes it at once.
   */
  Path socket(String id) {
    long pid = ProcessHandle.current().pid();
    long thread = Thread.currentThread().threadId();
    String tag = Integer.toHexString((id + "/" + pid + "/" + thread).hashCode());
    return root.resolve(".s" + tag + "-" + pid + "-" + thread);
  }

  /** One lock for the whole root: verbs are short, and no two can race on one container. */
  FileLock lock() {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new OciException("cannot create root " + root + ": " + e.getMessage(), e);
    }
    return FileLock.acquire(root.resolve(".lock"));
  }

  boolean exists(String id) {
    return Files.isDirectory(dir(id));
  }

  /** The recorded state; "container does not exist" as runc says it, or the corruption found. */
  ContainerState read(String id) {
    Path file = dir(id).resolve("state.json");
    try {
      return JSON.readValue(Files.readAllBytes(file), ContainerState.class);
    } catch (NoSuchFileException e) {
      if (Files.isDirectory(dir(id))) {
        throw new OciException("container " + id + ": state.json is missing (corrupt state)");
      }
      throw new OciException("container does not exist");
    } catch (IOException e) {
      throw new OciException("container " + id + ": corrupt state: " + e.getMessage(), e);
    }
  }

  Optional<ContainerState> tryRead(String id) {
    try {
      return Optional.of(read(id));
    } catch (OciException e) {
      return Optional.empty();
    }
  }

  void write(ContainerState state) {
    try {
      AtomicFiles.write(dir(state.id()).resolve("state.json"), JSON.writeValueAsString(state));
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
      s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().forEach(ids::add);
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
