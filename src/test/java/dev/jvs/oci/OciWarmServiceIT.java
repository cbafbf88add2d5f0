package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.serve.RequestLog;
import dev.jvs.testing.Cli;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The warm path (docs/oci.md, "Start-up"; docs/service.md): `jvs serve` runs the verbs that jvs-oci
 * (the jvs-client binary by that name) hands it; the container's processes are still forked by the
 * caller. Its log proves which calls it served; without it the JVM path runs.
 */
@Tag("kernel")
class OciWarmServiceIT {
  @Test
  void verbsGoThroughTheServiceWithTheCallersCwdStdinAndExitCodes() throws Exception {
    try (OciTestHost host = new OciTestHost();
        Service service = Service.start(host)) {
      Path script = warmScript(host, service.socket);
      OciTestHost.Bundle b = host.bundle("b1", "sh", "-c", "echo started > /out/s; sleep 1000");
      // --bundle and --pid-file relative to the caller's cwd, not the service's
      OciTestHost.Result create =
          in(host.base, script, "create", "--bundle", "b1", "--pid-file", "b1.pid", "c1");
      assertThat(create.code()).as(create.err()).isZero();
      assertThat(host.base.resolve("b1.pid")).exists();
      OciTestHost.Result state = in(host.base, script, "state", "c1");
      assertThat(OciTestHost.JSON.readTree(state.out()).get("status").asText())
          .isEqualTo("created");
      assertThat(in(host.base, script, "start", "c1").code()).isZero();
      assertThat(OciTestHost.await(b, "/out/s")).isEqualTo("started\n");

      // update --resources - reads the caller's stdin
      OciTestHost.Result update =
          withStdin(
              host.base, script, "{\"pids\":{\"limit\":42}}", "update", "--resources", "-", "c1");
      assertThat(update.code()).as(update.err()).isZero();
      assertThat(
              Files.readString(Path.of("/sys/fs/cgroup/pids", host.cgroupParent, "b1", "pids.max"))
                  .trim())
          .isEqualTo("42");

      // exec in the foreground: output from the caller-forked monitor, exit code passed on
      OciTestHost.Result exec =
          in(host.base, script, "exec", "c1", "sh", "-c", "echo in-c1; exit 7");
      assertThat(exec.out()).isEqualTo("in-c1\n");
      assertThat(exec.code()).isEqualTo(7);

      // start right after create, as fast as the service answers: the init must still run
      OciTestHost.Bundle quick = host.bundle("q", "sh", "-c", "echo ran > /out/$0", "r");
      for (int i = 0; i < 15; i++) {
        quick.process().putArray("args").add("sh").add("-c").add("echo ran > /out/$0").add("r" + i);
        quick.save();
        assertThat(in(host.base, script, "create", "--bundle", "q", "q" + i).code()).isZero();
        assertThat(in(host.base, script, "start", "q" + i).code()).isZero();
        assertThat(OciTestHost.await(quick, "/out/r" + i)).isEqualTo("ran\n");
        assertThat(in(host.base, script, "delete", "--force", "q" + i).code()).isZero();
      }

      // runc's error text and status
      OciTestHost.Result missing = in(host.base, script, "state", "nosuch");
      assertThat(missing.code()).isEqualTo(1);
      assertThat(missing.err()).contains("container does not exist");

      // several at once: each request on its own thread, the state lock per root
      List<CompletableFuture<OciTestHost.Result>> parallel = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        host.bundle("p" + i, "sleep", "1000");
        String id = "p" + i;
        parallel.add(
            CompletableFuture.supplyAsync(
                () -> in(host.base, script, "create", "--bundle", id, id)));
      }
      for (CompletableFuture<OciTestHost.Result> f : parallel) {
        OciTestHost.Result r = f.get(120, TimeUnit.SECONDS);
        assertThat(r.code()).as(r.err()).isZero();
      }
      assertThat(in(host.base, script, "list", "-q").out().lines().toList())
          .containsExactlyInAnyOrder("c1", "p0", "p1", "p2", "p3");
      for (String id : List.of("c1", "p0", "p1", "p2", "p3")) {
        assertThat(in(host.base, script, "delete", "--force", id).code()).isZero();
      }

      List<String> served = service.served();
      assertThat(served)
          .anyMatch(l -> l.contains(" create --bundle b1 --pid-file b1.pid c1 -> 0"))
          .anyMatch(l -> l.contains(" exec c1 sh -c echo in-c1; exit 7 -> 7"))
          .anyMatch(l -> l.contains(" state nosuch -> 1"))
          .anyMatch(l -> l.contains(" update --resources - c1 -> 0"));
      assertThat(served.stream().filter(l -> l.contains(" create --bundle p"))).hasSize(4);
    }
  }

  @Test
  void containerdRunsContainersThroughTheServiceAndFallsBackWithoutIt() throws Exception {
    try (OciTestHost host = new OciTestHost();
        Service service = Service.start(host);
        TestContainerd containerd = TestContainerd.start(host)) {
      Path script = warmScript(host, service.socket);
      OciTestHost.Bundle b = host.bundle("image", "true");
      OciTestHost.Result hi =
          containerd.run(host, script, b.rootfs(), "--rm", "t1", "sh", "-c", "echo hi; exit 3");
      assertThat(hi.out()).as(hi.err()).isEqualTo("hi\n");
      assertThat(hi.code()).isEqualTo(3);

      assertThat(containerd.run(host, script, b.rootfs(), "-d", "t2", "sleep", "1000").code())
          .isZero();
      OciTestHost.Result exec =
          containerd.ctr(
              List.of("task", "exec", "--exec-id", "e1", "t2", "sh", "-c", "echo in-t2; exit 4"));
      assertThat(exec.out()).isEqualTo("in-t2\n");
      assertThat(exec.code()).isEqualTo(4);
      containerd.killAndDelete("t2");

      List<String> served = service.served();
      for (String verb : List.of("create", "start", "delete", "exec", "kill")) {
        assertThat(served).as("served " + verb).anyMatch(l -> l.contains(" " + verb + " "));
      }

      // SIGKILL leaves a stale socket: the client finds nobody there and runs the cold path
      service.kill();
      assertThat(service.socket).exists();
      OciTestHost.Result cold =
          containerd.run(host, script, b.rootfs(), "--rm", "t3", "echo", "cold");
      assertThat(cold.out()).as(cold.err()).isEqualTo("cold\n");
      assertThat(cold.code()).isZero();
      assertThat(service.served()).hasSameSizeAs(served);
    }
  }

  @Test
  void podmanRunsContainersThroughTheService() throws Exception {
    try (OciTestHost host = new OciTestHost();
        Service service = Service.start(host)) {
      OciPodmanIT.Podman podman = new OciPodmanIT.Podman(host, warmScript(host, service.socket));
      try {
        Path tar = host.base.resolve("busybox.tar");
        OciTestHost.Bundle b = host.bundle("image", "true");
        assertThat(
                OciPodmanIT.run(
                        List.of("tar", "-C", b.rootfs().toString(), "-cf", tar.toString(), "."))
                    .code())
            .isZero();
        podman.ok("import", tar.toString(), "jvs-it-busybox");
        List<String> limits =
            List.of(
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "--network", "none");
        assertThat(
                podman
                    .ok(
                        concat(
                            List.of("run", "--rm"),
                            limits,
                            List.of("jvs-it-busybox", "echo", "hi")))
                    .out())
            .isEqualTo("hi\n");
        // -t: the pty master goes to conmon over the console socket, a path the service opens
        assertThat(
                podman
                    .ok(
                        concat(
                            List.of("run", "--rm", "-t"),
                            limits,
                            List.of("jvs-it-busybox", "echo", "on-tty")))
                    .out())
            .isEqualTo("on-tty\r\n");
        OciTestHost.Result code =
            podman.oci(
                concat(
                    List.of("run", "--rm"),
                    limits,
                    List.of("jvs-it-busybox", "sh", "-c", "exit 6")));
        assertThat(code.code()).isEqualTo(6);
        assertThat(service.served())
            .anyMatch(l -> l.contains(" create ") && l.contains("--console-socket"))
            .anyMatch(l -> l.contains(" start "));
      } finally {
        podman.oci("rm", "-a", "-f");
        OciPodmanIT.removePodmanCgroups(host.cgroupParent);
      }
    }
  }

  /** Runs the runtime script in {@code dir} with {@code args}, stdin from /dev/null. */
  private static OciTestHost.Result in(Path dir, Path script, String... args) {
    return withStdin(dir, script, null, args);
  }

  private static OciTestHost.Result withStdin(Path dir, Path script, String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of(script.toString()));
    cmd.addAll(List.of(args));
    return OciTestHost.run(new ProcessBuilder(cmd).directory(dir.toFile()), stdin, 120);
  }

  /**
   * The runtime containerd and Podman are given: jvs-oci (a link to jvs-client, which picks the OCI
   * front-end by that name) with this test's --root, on the service at {@code socket}.
   */
  static Path warmScript(OciTestHost host, Path socket) throws IOException {
    Path bin = Files.createDirectories(host.base.resolve("bin"));
    Path jvsOci = bin.resolve("jvs-oci");
    if (!Files.exists(jvsOci, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(jvsOci, Cli.client().orElseThrow());
    }
    Path script = host.base.resolve("jvs-oci-warm");
    Files.writeString(
        script,
        """
        #!/bin/sh
        JVS_SOCKET=%1$s JVS_JAVA_HOME=%2$s exec %3$s --root %4$s "$@"
        """
            .formatted(socket, System.getProperty("java.home"), jvsOci, host.root));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> p : parts) {
      all.addAll(p);
    }
    return all;
  }

  /** `jvs serve` (./jvs serve) with a JVS_ROOT and JVS_RUN of this test's, its log in a file. */
  record Service(Path socket, Path log, Process process) implements AutoCloseable {
    static Service start(OciTestHost host) throws Exception {
      Path run = host.base.resolve("jvs-run");
      Path socket = run.resolve("jvs.sock");
      Path log = host.base.resolve("serve.log");
      ProcessBuilder pb =
          new ProcessBuilder(
                  "env",
                  "--default-signal",
                  Cli.client().orElseThrow().toString(),
                  "serve",
                  "--no-lxcfs")
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().remove("JVS_SOCKET");
      pb.environment().put("JVS_JAVA_HOME", System.getProperty("java.home"));
      pb.environment().put("JVS_ROOT", host.base.resolve("jvs-root").toString());
      pb.environment().put("JVS_RUN", run.toString());
      Service s = new Service(socket, log, pb.start());
      try {
        for (int i = 0; i < 1500 && !listening(s) && s.process.isAlive(); i++) {
          Thread.sleep(20);
        }
        assertThat(listening(s)).as(Files.readString(log)).isTrue();
        assertThat(Files.getPosixFilePermissions(socket))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        return s;
      } catch (AssertionError | RuntimeException e) {
        s.close(); // never leave a service behind
        throw e;
      }
    }

    private static boolean listening(Service s) throws IOException {
      return Files.exists(s.socket) && Files.readString(s.log).contains("jvs and jvs-oci calls");
    }

    /** The jvs-oci calls it answered, each as " ARGS -> CODE". */
    List<String> served() throws IOException {
      return RequestLog.ran(Files.readString(log)).stream()
          .filter(r -> r.front().equals("jvs-oci"))
          .map(r -> " " + r.args() + " -> " + r.code())
          .toList();
    }

    void kill() throws InterruptedException {
      process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws Exception {
      process.destroy(); // SIGTERM: the service removes its socket
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      Files.deleteIfExists(socket);
    }
  }
}
