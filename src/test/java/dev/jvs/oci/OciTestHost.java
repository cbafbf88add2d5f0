package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvs.image.Trees;
import dev.jvs.testing.LeakAudit;
import dev.jvs.testing.TestHost;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One test's OCI world: a temporary --root, busybox bundles and a cgroup parent of its own under
 * /tmp/jvs-it-oci-*; jvs-oci runs as a separate process from the packaged jar, as containerd runs
 * runc. {@link #close()} force-deletes every container and audits for leaks.
 */
final class OciTestHost implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  final Path base;
  final Path root;
  final String cgroupParent;

  OciTestHost() {
    try {
      base = Files.createTempDirectory(Path.of("/tmp"), "jvs-it-oci-");
      // a user namespace's root (an unprivileged host uid) must reach the bundles
      Files.setPosixFilePermissions(
          base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    root = base.resolve("state");
    cgroupParent = "jvs-it-" + base.getFileName().toString().substring("jvs-it-".length());
  }

  record Result(int code, String out, String err) {}

  static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Djvs.init=" + TestHost.initBinary());
    cmd.add("-cp");
    cmd.add(System.getProperty("jvs.jar", "target/jvs.jar"));
    cmd.add("dev.jvs.oci.cli.OciMain");
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Runs jvs-oci --root ROOT ARGS; the container's stdio (for create) goes to files. */
  Result oci(String... args) {
    List<String> full = new ArrayList<>(List.of("--root", root.toString()));
    full.addAll(List.of(args));
    return run(new ProcessBuilder(command(full.toArray(String[]::new))), null, 60);
  }

  /**
   * Runs a command with {@code stdin} (null: /dev/null) as its input and its output in files, so
   * that a hung command fails the test after {@code seconds} instead of blocking a read forever.
   * The files are read when the command exits, even if what it started still holds them open (a
   * created container does).
   */
  static Result run(ProcessBuilder pb, String stdin, int seconds) {
    Path out = null;
    Path err = null;
    Path in = null;
    try {
      out = Files.createTempFile("jvs-it-oci-out", ".txt");
      err = Files.createTempFile("jvs-it-oci-err", ".txt");
      in = Files.createTempFile("jvs-it-oci-in", ".txt");
      Files.writeString(in, stdin == null ? "" : stdin);
      File input = stdin == null ? new File("/dev/null") : in.toFile();
      Process p =
          pb.redirectInput(ProcessBuilder.Redirect.from(input))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IllegalStateException(String.join(" ", pb.command()) + " hung");
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      for (Path f : new Path[] {out, err, in}) {
        if (f != null) {
          f.toFile().delete();
        }
      }
    }
  }

  Result ok(String... args) {
    Result r = oci(args);
    assertThat(r.code()).as("jvs-oci %s: %s", String.join(" ", args), r.err()).isZero();
    return r;
  }

  /** A bundle with the host's static busybox as rootfs and a runc-like default config. */
  Bundle bundle(String name, String... args) {
    Path dir = base.resolve(name);
    Path rootfs = dir.resolve("rootfs");
    try {
      Files.createDirectories(rootfs.resolve("bin"));
      Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
      for (String applet :
          List.of(
              "sh",
              "cat",
              "echo",
              "sleep",
              "id",
              "ls",
              "mkdir",
              "hostname",
              "touch",
              "ps",
              "grep",
              "readlink",
              "true",
              "mount",
              "wc",
              "head",
              "stat")) {
        Files.createSymbolicLink(rootfs.resolve("bin/" + applet), Path.of("busybox"));
      }
      for (String d : List.of("proc", "sys", "dev", "tmp", "out")) {
        Files.createDirectories(rootfs.resolve(d));
      }
      // any uid a test switches to may write its findings there
      Files.setPosixFilePermissions(
          rootfs.resolve("out"),
          java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
      ObjectNode config = (ObjectNode) JSON.readTree(DefaultSpec.JSON);
      ArrayNode argv = ((ObjectNode) config.get("process")).putArray("args");
      for (String a : args) {
        argv.add(a);
      }
      ((ObjectNode) config.get("linux")).put("cgroupsPath", "/" + cgroupParent + "/" + name);
      ((ObjectNode) config.get("root")).put("readonly", false); // containers write to /out
      Bundle b = new Bundle(dir, config);
      b.save();
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A bundle directory and its config, editable before {@link #save()}. */
  record Bundle(Path dir, ObjectNode config) {
    ObjectNode process() {
      return (ObjectNode) config.get("process");
    }

    ObjectNode linux() {
      return (ObjectNode) config.get("linux");
    }

    Path rootfs() {
      return dir.resolve("rootfs");
    }

    String file(String inRootfs) {
      try {
        return Files.readString(rootfs().resolve(inRootfs.substring(1)), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    boolean exists(String inRootfs) {
      return Files.exists(rootfs().resolve(inRootfs.substring(1)));
    }

    void save() {
      try {
        Files.writeString(
            dir.resolve("config.json"),
            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Waits up to 10 s for a file the container writes (a path inside its rootfs). */
  static String await(Bundle b, String inRootfs) {
    return awaitFile(b.rootfs().resolve(inRootfs.substring(1)));
  }

  /** Waits up to 10 s for a non-empty file on the host. */
  static String awaitFile(Path file) {
    try {
      for (int i = 0; i < 1000; i++) {
        if (Files.exists(file) && Files.size(file) > 0) {
          Thread.sleep(50); // let the writer finish
          return Files.readString(file);
        }
        Thread.sleep(10);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new AssertionError(file + " never appeared");
  }

  String status(String id) {
    try {
      return JSON.readTree(ok("state", id).out()).get("status").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<String> leftovers() {
    return LeakAudit.leftovers(base, cgroupParent);
  }

  /** Container directories and lock files still under --root. */
  List<String> stateLeft() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    Path locks = root.resolve(".locks");
    try (var s = Files.list(root);
        var l =
            Files.isDirectory(locks) ? Files.list(locks) : java.util.stream.Stream.<Path>empty()) {
      List<String> left = new ArrayList<>();
      s.filter(p -> Files.isDirectory(p) && !p.equals(locks)).forEach(p -> left.add("state " + p));
      l.forEach(p -> left.add("lock " + p));
      return left;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      if (Files.isDirectory(root)) {
        try (var s = Files.list(root)) {
          for (Path p : s.filter(q -> Files.isDirectory(q) && !q.endsWith(".locks")).toList()) {
            oci("delete", "--force", p.getFileName().toString());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      List<String> leaks = new ArrayList<>(leftovers());
      leaks.addAll(stateLeft());
      Trees.deleteIfExists(base);
      assertThat(leaks).as("objects left on the host").isEmpty();
    }
  }
}
