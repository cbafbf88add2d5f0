package dev.jvs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvs.base.Executables;
import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An OCI runtime binary (runc or crun) confined to a state directory of the benchmark's own
 * (--root), so its containers can be listed and force-deleted without touching anyone else's. Every
 * container id starts with {@value #ID_PREFIX}.
 */
public final class OciRuntime {
  public static final String ID_PREFIX = "jvs-bench-";
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);

  private final String name;
  private final Path binary;
  private final Path root;
  private final HostCommands commands;
  private int nextId;

  private OciRuntime(String name, Path binary, Path root, HostCommands commands) {
    this.name = name;
    this.binary = binary;
    this.root = root;
    this.commands = commands;
  }

  /** The runtime called {@code name} if installed, keeping its state under {@code root}. */
  public static Optional<OciRuntime> find(String name, Path root, HostCommands commands) {
    return Executables.find(name).map(b -> new OciRuntime(name, b, root, commands));
  }

  public String name() {
    return name;
  }

  /**
   * Writes a bundle in {@code dir}: the runtime's own default config.json (`spec`), changed to run
   * {@code args} without a terminal on {@code rootfs}, writable so both sides do the same work.
   */
  public Path bundle(Path dir, Path rootfs, List<String> args) {
    try {
      Files.createDirectories(dir);
      commands.check(List.of(binary.toString(), "spec", "--bundle", dir.toString()), SETUP_TIMEOUT);
      Path config = dir.resolve("config.json");
      ObjectMapper json = new ObjectMapper();
      ObjectNode spec = (ObjectNode) json.readTree(config.toFile());
      ObjectNode process = (ObjectNode) spec.get("process");
      process.put("terminal", false);
      ArrayNode argv = process.putArray("args");
      args.forEach(argv::add);
      ObjectNode root = spec.putObject("root");
      root.put("path", rootfs.toAbsolutePath().toString());
      root.put("readonly", false);
      json.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), spec);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(name + " bundle " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A fresh container id; ids are never reused, so a failed run cannot block the next. */
  public String newId(String role) {
    return ID_PREFIX + role + "-" + nextId++;
  }

  /** `run`: create, start, wait for exit, delete; throws unless the process exits 0. */
  void run(String id, Path bundle) throws IOException, InterruptedException {
    commands.run(base("run", "--bundle", bundle.toString(), id));
  }

  /** `run` once, outside any timing, returning its error line if it fails (for probing). */
  Optional<String> probe(String id, Path bundle) {
    HostCommands.Result r =
        commands.capture(base("run", "--bundle", bundle.toString(), id), SETUP_TIMEOUT);
    return r.exitCode() == 0 ? Optional.empty() : Optional.of(r.firstLine());
  }

  /**
   * `run -d`: the container keeps running after this returns. Not through a pipe: the container
   * inherits runc's stdio, and would hold a pipe open for as long as it runs.
   */
  public void runDetached(String id, Path bundle) {
    try {
      commands.run(base("run", "-d", "--bundle", bundle.toString(), id));
    } catch (IOException e) {
      throw new UncheckedIOException(name + " run -d: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException(name + " run -d: interrupted");
    }
  }

  /** `exec`: runs {@code args} in a running container; throws unless it exits 0. */
  void exec(String id, List<String> args) throws IOException, InterruptedException {
    List<String> argv = base("exec", id);
    argv.addAll(args);
    commands.run(argv);
  }

  /** `list`: the table of this runtime's containers, as a user reads it. */
  void listTable() throws IOException, InterruptedException {
    commands.run(base("list"));
  }

  /**
   * Force-deletes every container in this runtime's state directory (all are the benchmark's).
   * Throws if one is still listed afterwards.
   */
  public void deleteAll() {
    if (!Files.isDirectory(root)) {
      return;
    }
    List<String> ids = list();
    for (String id : ids) {
      commands.capture(base("delete", "-f", id), SETUP_TIMEOUT);
    }
    List<String> left = list();
    if (!left.isEmpty()) {
      throw new JvsException(name + ": could not delete containers " + left);
    }
  }

  private List<String> list() {
    HostCommands.Result r = commands.capture(base("list", "-q"), SETUP_TIMEOUT);
    if (r.exitCode() != 0) {
      throw new JvsException(name + " list: " + r.firstLine());
    }
    return r.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  /** This runtime's command line with its state directory, then {@code args}. */
  public List<String> base(String... args) {
    List<String> argv = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
    argv.addAll(List.of(args));
    return argv;
  }
}
