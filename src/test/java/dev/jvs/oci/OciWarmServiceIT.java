package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.TestHost;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
 * The warm path (docs/oci.md, "Start-up"): `jvs-oci serve` runs the verbs that a runtime script
 * like ./jvs-oci forwards through `jvs-init --oci-client`; the container's processes are still
 * forked by the caller. Its log proves which calls it served; without it the cold path runs.
 */
@Tag("kernel")
class OciWarmServiceIT {
  @Test
  void verbsGoThroughTheServiceWithTheCallersCwdStdinAndExitCodes() throws Exception {
    try (OciTestHost host = new OciTestHost(); Service service = Service.start(host)) {
      Path script = warmScript(host, service.socket);
      OciTestHost.Bundle b = host.bundle("b1", "sh", "-c", "echo started > /out/s; sleep 1000");
      // --bundle and --pid-file relative to the caller's cwd, not the service's
      OciTestHost.Result create = in(host.base, script, "create", "--bundle", "b1",
          "--pid-file", "b1.pid", "c1");
      assertThat(create.code()).as(create.err()).isZero();
      assertThat(host.base.resolve("b1.pid")).exists();
      OciTestHost.Result state = in(host.base, script, "state", "c1");
      assertThat(OciTestHost.JSON.readTree(state.out()).get("status").asText()).isEqualTo("created");
      assertThat(in(host.base, script, "start", "c1").code()).isZero();
      assertThat(OciTestHost.await(b, "/out/s")).isEqualTo("started\n");

      // update --resources - reads the caller's stdin
      OciTestHost.Result update = withStdin(host.base, script, "{\"pids\":{\"limit\":42}}",
          "update", "--resources", "-", "c1");
      assertThat(update.code()).as(update.err()).isZero();
      assertThat(Files.readString(Path.of("/sys/fs/cgroup/pids", host.cgroupParent, "b1",
          "pids.max")).trim()).isEqualTo("42");

      // exec in the foreground: output from the caller-forked monitor, exit code passed on
      OciTestHost.Result exec = in(host.base, script, "exec", "c1", "sh", "-c", "echo in-c1; exit 7");
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
        parallel.add(CompletableFuture.supplyAsync(
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
      assertThat(served).anyMatch(l -> l.contains(" create --bundle b1 --pid-file b1.pid c1 -> 0"))
          .anyMatch(l -> l.contains(" exec c1 sh -c echo in-c1; exit 7 -> 7"))
          .anyMatch(l -> l.contains(" state nosuch -> 1"))
          .anyMatch(l -> l.contains(" update --resources - c1 -> 0"));
      assertThat(served.stream().filter(l -> l.contains(" create --bundle p"))).hasSize(4);
    }
  }

  @Test
  void containerdRunsContainersThroughTheServiceAndFallsBackWithoutIt() throws Exception {
    try (OciTestHost host = new OciTestHost(); Service service = Service.start(host);
        TestContainerd containerd = TestContainerd.start(host)) {
      Path script = warmScript(host, service.socket);
      OciTestHost.Bundle b = host.bundle("image", "true");
      OciTestHost.Result hi = containerd.run(host, script, b.rootfs(), "--rm", "t1",
          "sh", "-c", "echo hi; exit 3");
      assertThat(hi.out()).as(hi.err()).isEqualTo("hi\n");
      assertThat(hi.code()).isEqualTo(3);

      assertThat(containerd.run(host, script, b.rootfs(), "-d", "t2", "sleep", "1000").code())
          .isZero();
      OciTestHost.Result exec = containerd.ctr(List.of("task", "exec", "--exec-id", "e1", "t2",
          "sh", "-c", "echo in-t2; exit 4"));
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
      OciTestHost.Result cold = containerd.run(host, script, b.rootfs(), "--rm", "t3",
          "echo", "cold");
      assertThat(cold.out()).as(cold.err()).isEqualTo("cold\n");
      assertThat(cold.code()).isZero();
      assertThat(service.served()).hasSameSizeAs(served);
    }
  }

  @Test
  void podmanRunsContainersThroughTheService() throws Exception {
    try (OciTestHost host = new OciTestHost(); Service service = Service.start(host)) {
      OciPodmanIT.Podman podman = new OciPodmanIT.Podman(host, warmScript(host, service.socket));
      try {
        Path tar = host.base.resolve("busybox.tar");
        OciTestHost.Bundle b = host.bundle("image", "true");
        assertThat(OciPodmanIT.run(List.of("tar", "-C", b.rootfs().toString(), "-cf",
            tar.toString(), ".")).code()).isZero();
        podman.ok("import", tar.toString(), "jvs-it-busybox");
        List<String> limits = List.of("--ulimit", "nofile=1024:1024", "--ulimit",
            "nproc=4096:4096", "--network", "none");
        assertThat(podman.ok(concat(List.of("run", "--rm"), limits,
            List.of("jvs-it-busybox", "echo", "hi"))).out()).isEqualTo("hi\n");
        // -t: the pty master goes to conmon over the console socket, a path the service opens
        assertThat(podman.ok(concat(List.of("run", "--rm", "-t"), limits,
            List.of("jvs-it-busybox", "echo", "on-tty"))).out()).isEqualTo("on-tty\r\n");
        OciTestHost.Result code = podman.oci(concat(List.of("run", "--rm"), limits,
            List.of("jvs-it-busybox", "sh", "-c", "exit 6")));
        assertThat(code.code()).isEqualTo(6);
        assertThat(service.served()).anyMatch(l -> l.contains(" create ") && l.contains("--console-socket"))
            .anyMatch(l -> l.contains(" start "));
      } finally {
        podman.oci("rm", "-a", "-f");
        OciPodmanIT.removePodmanCgroups(host.cgroupParent);
      }
    }
  }

  @Test
  void aServiceThatHangsUpMidRequestIsOneLineAndNonZero() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      Path sock = host.base.resolve("gone.sock");
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        server.bind(UnixDomainSocketAddress.of(sock));
        CompletableFuture<String> request = CompletableFuture.supplyAsync(() -> {
          try (SocketChannel c = server.accept()) {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            StringBuilder got = new StringBuilder();
            while (!got.toString().endsWith("end\n") && c.read(buf.clear()) > 0) {
              got.append(StandardCharsets.UTF_8.decode(buf.flip()));
            }
            return got.toString(); // then hang up without a result
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        OciTestHost.Result r = OciPodmanIT.run(List.of(TestHost.initBinary().toString(),
            "--oci-client", sock.toString(), "/bin/false", "state", "a b"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err().lines().toList()).singleElement().asString()
            .contains("ended the request before its result");
        assertThat(request.get(10, TimeUnit.SECONDS))
            .startsWith("cwd /").contains("arg state\narg a%20b\nend\n");
      }
      // nobody listening: the fallback runs with the arguments, told not to try again
      OciTestHost.Result fallback = OciPodmanIT.run(List.of(TestHost.initBinary().toString(),
          "--oci-client", sock.toString(), "/usr/bin/env"));
      assertThat(fallback.code()).isZero();
      assertThat(fallback.out().lines()).contains("JVS_OCI_SOCKET=");
    }
  }

  /** Runs the runtime script in {@code dir} with {@code args}, stdin from /dev/null. */
  private static OciTestHost.Result in(Path dir, Path script, String... args) {
    return withStdin(dir, script, null, args);
  }

  private static OciTestHost.Result withStdin(Path dir, Path script, String stdin,
      String... args) {
    List<String> cmd = new ArrayList<>(List.of(script.toString()));
    cmd.addAll(List.of(args));
    return OciTestHost.run(new ProcessBuilder(cmd).directory(dir.toFile()), stdin, 120);
  }

  /** ./jvs-oci's logic for the test's jar and root: forward while the service listens. */
  private static Path warmScript(OciTestHost host, Path socket) throws IOException {
    Path script = host.base.resolve("jvs-oci-warm");
    String cold = String.join(" ", OciTestHost.command("--root", host.root.toString()));
    Files.writeString(script, """
        #!/bin/sh
        sock=${JVS_OCI_SOCKET-%1$s}
        if [ -n "$sock" ] && [ -S "$sock" ]; then
          exec %2$s --oci-client "$sock" "$0" --root %3$s "$@"
        fi
        exec %4$s "$@"
        """.formatted(socket, TestHost.initBinary(), host.root, cold));
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

  /** `jvs-oci serve` from the packaged jar, its log in a file. */
  private record Service(Path socket, Path log, Process process) implements AutoCloseable {
    static Service start(OciTestHost host) throws Exception {
      Path socket = host.base.resolve("jvs-oci.sock");
      Path log = host.base.resolve("serve.log");
      Process p = new ProcessBuilder(OciTestHost.command("serve", "--socket", socket.toString()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      Service s = new Service(socket, log, p);
      try {
        for (int i = 0; i < 1500 && !Files.exists(socket) && p.isAlive(); i++) {
          Thread.sleep(20);
        }
        assertThat(socket).as(Files.readString(log)).exists();
        assertThat(Files.getPosixFilePermissions(socket))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        return s;
      } catch (AssertionError | RuntimeException e) {
        s.close(); // never leave a service behind
        throw e;
      }
    }

    List<String> served() throws IOException {
      return Files.readAllLines(log).stream().filter(l -> l.startsWith("jvs-oci serve: #"))
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
