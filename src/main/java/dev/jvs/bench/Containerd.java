package dev.jvs.bench;

import dev.jvs.base.Executables;
import dev.jvs.base.JvsException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A containerd of the benchmark's own: config, root, state and socket under one directory (as
 * OciContainerdIT starts it), CRI off. Its state directory, and with it the runtimes' roots and pid
 * files, is on a tmpfs of its own, as /run is on a standard host (not on this one), so no runtime
 * pays for a disk's fsync there. {@link #close()} removes its containers, stops it and unmounts
 * whatever is mounted under that directory.
 */
final class Containerd implements AutoCloseable {
  private static final Duration SETUP = Duration.ofSeconds(60);
  private static final Duration STOP = Duration.ofSeconds(20);

  private final Path dir;
  private final Path socket;
  private final Process process;
  private final HostCommands commands;

  private Containerd(Path dir, Path socket, Process process, HostCommands commands) {
    this.dir = dir;
    this.socket = socket;
    this.process = process;
    this.commands = commands;
  }

  /** Starts containerd (throws if it is not installed or does not listen within 30 s). */
  static Containerd start(Path dir, HostCommands commands) {
    Path binary =
        Executables.find("containerd")
            .orElseThrow(
                () -> new JvsException("containerd is not installed (apt-get install containerd)"));
    Executables.find("ctr").orElseThrow(() -> new JvsException("ctr is not installed"));
    try {
      Files.createDirectories(dir.resolve("run"));
      commands.check(
          List.of(
              "mount",
              "-t",
              "tmpfs",
              "-o",
              "size=64m,mode=0755",
              "jvs-bench-run",
              dir.resolve("run").toString()),
          SETUP);
      Path socket = dir.resolve("c.sock");
      Path config = dir.resolve("config.toml");
      Files.writeString(
          config,
          """
          version = 2
          root = "%1$s/root"
          state = "%1$s/run/state"
          disabled_plugins = ["io.containerd.grpc.v1.cri"]
          [grpc]
            address = "%2$s"
          [ttrpc]
            address = "%2$s.ttrpc"
          """
              .formatted(dir, socket));
      Process p;
      try {
        p =
            new ProcessBuilder(binary.toString(), "--config", config.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("containerd.log").toFile())
                .start();
      } catch (IOException e) {
        commands.capture(List.of("umount", dir.resolve("run").toString()), SETUP);
        throw e;
      }
      Containerd c = new Containerd(dir, socket, p, commands);
      try {
        c.awaitSocket();
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("containerd: " + e.getMessage(), e);
    }
  }

  private void awaitSocket() {
    try {
      for (int i = 0; i < 1500 && !Files.exists(socket); i++) {
        if (!process.isAlive()) {
          throw new JvsException(
              "containerd exited "
                  + process.exitValue()
                  + ": see "
                  + dir.resolve("containerd.log"));
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JvsException("interrupted while containerd started");
    }
    if (!Files.exists(socket)) {
      throw new JvsException(
          "containerd did not listen within 30 s: see " + dir.resolve("containerd.log"));
    }
  }

  /** Where runtime roots go: on the tmpfs, like containerd's own /run/containerd/runc. */
  Path runtimeRoot(String name) {
    return dir.resolve("run").resolve("runtime-" + name);
  }

  /** ctr against this containerd, with {@code args}. */
  List<String> ctr(String... args) {
    List<String> argv = new ArrayList<>(List.of("ctr", "-a", socket.toString()));
    argv.addAll(List.of(args));
    return argv;
  }

  /** Imports an OCI image archive; throws unless {@code name} is then listed. */
  void importImage(Path archive, String name) {
    commands.check(ctr("images", "import", archive.toString()), SETUP);
    List<String> names =
        commands.check(ctr("images", "ls", "-q"), SETUP).lines().map(String::strip).toList();
    if (!names.contains(name)) {
      throw new JvsException(
          "ctr images import " + archive + " did not make " + name + " (listed: " + names + ")");
    }
  }

  /**
   * {@code ctr run --rm} of {@code args} in a fresh container of {@code image} with the runtime
   * {@code binary} (state under {@code runtimeRoot}) and the cgroup {@code /cgroupParent/ID}.
   */
  List<String> runRm(
      Path binary,
      Path runtimeRoot,
      String cgroupParent,
      String image,
      String id,
      List<String> args) {
    List<String> argv =
        ctr(
            "run",
            "--rm",
            "--runc-binary",
            binary.toString(),
            "--runc-root",
            runtimeRoot.toString(),
            "--cgroup",
            "/" + cgroupParent + "/" + id,
            image,
            id);
    argv.addAll(args);
    return argv;
  }

  /** Removes containers a failed run left, stops containerd and unmounts its leftovers. */
  @Override
  public void close() {
    List<String> failures = new ArrayList<>();
    if (process.isAlive()) {
      try {
        for (String id :
            commands
                .capture(ctr("containers", "ls", "-q"), SETUP)
                .output()
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .toList()) {
          commands.capture(ctr("task", "delete", "-f", id), SETUP);
          commands.capture(ctr("containers", "delete", id), SETUP);
        }
      } catch (RuntimeException e) {
        failures.add("containerd cleanup: " + e.getMessage());
      }
      process.destroy(); // SIGTERM: containerd shuts down; deleted tasks have no shims left
      try {
        if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String mount : BenchHost.mountsUnder(dir)) {
      HostCommands.Result r = commands.capture(List.of("umount", "-l", mount), SETUP);
      if (r.exitCode() != 0) {
        failures.add("umount " + mount + ": " + r.firstLine());
      }
    }
    if (!failures.isEmpty()) {
      throw new JvsException(String.join("; ", failures));
    }
  }
}
