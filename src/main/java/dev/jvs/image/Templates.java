package dev.jvs.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.base.JvsException;
import dev.jvs.kernel.FileLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Read-only template root filesystems under $JVS_ROOT/templates/NAME/rootfs, with NAME/source
 * (where it came from) and, for imported images, NAME/config.json (the image's process defaults). A
 * template appears only complete: it is built in a hidden staging directory beside its final place
 * and renamed into it, and removed by renaming it away first, so an interrupted build or removal
 * never leaves a half template visible. All changes hold templates/.lock.
 */
public final class Templates {
  public static final String IMAGE_CONFIG = "config.json";
  private static final String SOURCE = "source";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  public Templates(Path dir) {
    this.dir = dir;
  }

  /** Builds a template's rootfs into {@code rootfs} (inside {@code staging}). */
  @FunctionalInterface
  public interface Builder {
    /** Returns the image's process defaults, or {@link ImageConfig#NONE}. */
    ImageConfig build(Path staging, Path rootfs) throws IOException;
  }

  /** What `jvs template list` shows. */
  public record Info(String name, String source, boolean imageConfig) {}

  public Path rootfs(String name) {
    return templateDir(name).resolve("rootfs");
  }

  /**
   * The one place a name becomes a path: it refuses anything that is not a template name, so a
   * caller that skipped validation still cannot reach outside templates/.
   */
  private Path templateDir(String name) {
    return dir.resolve(TemplateName.check(name));
  }

  public boolean exists(String name) {
    return Files.isDirectory(rootfs(name), LinkOption.NOFOLLOW_LINKS);
  }

  /** The template's rootfs; fails when there is no such template. */
  public Path existing(String name) {
    if (!exists(name)) {
      throw new JvsException("unknown template '" + name + "' (see jvs template list)");
    }
    return rootfs(name);
  }

  /** Takes the store's lock (exclusive; guests being built hold it so a template stays). */
  public FileLock lock() {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("templates: " + e.getMessage(), e);
    }
    return FileLock.acquire(dir.resolve(".lock"));
  }

  /** The template's rootfs, building the built-in busybox template on first use. */
  public Path ensure(String name) {
    Path rootfs = rootfs(name);
    if (Files.isDirectory(rootfs)) {
      return rootfs;
    }
    if (!name.equals(BusyboxTemplate.NAME)) {
      throw new JvsException("unknown template '" + name + "' (see jvs template list)");
    }
    try (FileLock lock = lock()) {
      if (!exists(name)) {
        createLocked(
            name,
            "built-in: the host's busybox",
            (staging, r) -> {
              BusyboxTemplate.build(r);
              return ImageConfig.NONE;
            });
      }
    }
    return rootfs;
  }

  /** Creates template {@code name} atomically; fails if it exists. */
  public void create(String name, String source, Builder builder) {
    TemplateName.check(name);
    try (FileLock lock = lock()) {
      createLocked(name, source, builder);
    }
  }

  private void createLocked(String name, String source, Builder builder) {
    if (Files.exists(templateDir(name), LinkOption.NOFOLLOW_LINKS)) {
      throw new JvsException(
          "template " + name + ": already exists (jvs template rm " + name + " first)");
    }
    sweep();
    Path staging = null;
    try {
      staging = Files.createTempDirectory(dir, "." + name + ".build-");
      // not createTempDirectory's 0700: unprivileged guests' ids pass through it to the rootfs
      Files.setPosixFilePermissions(
          staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      ImageConfig config = builder.build(staging, staging.resolve("rootfs"));
      if (!config.equals(ImageConfig.NONE)) {
        JSON.writeValue(staging.resolve(IMAGE_CONFIG).toFile(), config);
      }
      Files.writeString(staging.resolve(SOURCE), source + "\n");
      Files.move(staging, templateDir(name), StandardCopyOption.ATOMIC_MOVE);
      staging = null;
    } catch (IOException e) {
      throw new ImageException("template " + name + ": " + Layers.ioMessage(e), e);
    } catch (ImageException e) {
      throw new ImageException("template " + name + ": " + e.getMessage(), e);
    } finally {
      if (staging != null) {
        Trees.deleteIfExists(staging);
      }
    }
  }

  /**
   * Removes a template; {@code users} names the guests built on it, and any refuses the removal
   * (their overlay's lower layer would vanish).
   */
  public void remove(String name, Supplier<List<String>> users) {
    Path template = templateDir(name);
    try (FileLock lock = lock()) {
      if (!Files.isDirectory(template, LinkOption.NOFOLLOW_LINKS)) {
        throw new JvsException("template " + name + ": no such template");
      }
      List<String> in = users.get();
      if (!in.isEmpty()) {
        throw new JvsException(
            "template "
                + name
                + ": in use by guest"
                + (in.size() > 1 ? "s " : " ")
                + String.join(", ", in)
                + " (delete "
                + (in.size() > 1 ? "them" : "it")
                + " first)");
      }
      Path away = Files.createTempDirectory(dir, "." + name + ".rm-");
      Files.move(template, away.resolve(name), StandardCopyOption.ATOMIC_MOVE);
      Trees.deleteIfExists(away);
    } catch (IOException e) {
      throw new UncheckedIOException("template " + name + ": " + e.getMessage(), e);
    }
  }

  /** The image's process defaults, for a template imported from an OCI image. */
  public Optional<ImageConfig> imageConfig(String name) {
    Path file = templateDir(name).resolve(IMAGE_CONFIG);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), ImageConfig.class));
    } catch (IOException e) {
      throw new JvsException("template " + name + ": unreadable " + file + ": " + e.getMessage());
    }
  }

  public List<Info> list() {
    List<Info> out = new ArrayList<>();
    for (String name : names()) {
      String source = "";
      try {
        Path s = templateDir(name).resolve(SOURCE);
        source = Files.isRegularFile(s) ? Files.readString(s).strip() : "";
      } catch (IOException e) {
        source = "(unreadable)";
      }
      out.add(new Info(name, source, Files.isRegularFile(templateDir(name).resolve(IMAGE_CONFIG))));
    }
    return out;
  }

  /** Names of complete templates, sorted (a directory not named like a template is none). */
  public List<String> names() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> TemplateName.isValid(n) && exists(n))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes what an interrupted build or removal left (callers hold the lock). */
  private void sweep() {
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().matches("\\..+\\.(build|rm)-.*"))
          .forEach(Trees::deleteIfExists);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
