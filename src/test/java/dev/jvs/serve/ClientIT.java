package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.image.Trees;
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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * jvs-client on its own (native/jvs-client.c): the JVM it execs when no service answers (the flags
 * ./jvs and ./jvs-oci always passed, the jar and jvs-init beside it, the AOT cache only while newer
 * than the jar), its front-end by argv[0], its request, and its one line when the service ends a
 * request without a result. A copy of the client in a scratch directory with a fake `java` that
 * prints what it was given.
 */
class ClientIT {
  private Path dir;
  private Path client;

  @BeforeEach
  void scratch() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "jvs-client-it-");
    client = dir.resolve("jvs-client");
    Files.copy(TestService.client(), client, StandardCopyOption.COPY_ATTRIBUTES);
    Files.createSymbolicLink(dir.resolve("jvs"), client);
    Files.createSymbolicLink(dir.resolve("jvs-oci"), client);
    Files.writeString(dir.resolve("jvs.jar"), "");
    Files.createDirectories(dir.resolve("jdk/bin"));
    Path java = dir.resolve("jdk/bin/java");
    Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(dir.resolve("run"));
  }

  @AfterEach
  void clean() {
    Trees.deleteIfExists(dir);
  }

  private TestService.Result run(String program, Map<String, String> extraEnv, String... args) {
    Map<String, String> env =
        new java.util.HashMap<>(
            Map.of(
                "JVS_RUN", dir.resolve("run").toString(),
                "JVS_SOCKET", dir.resolve("run/jvs.sock").toString()));
    env.putAll(extraEnv);
    List<String> cmd = new java.util.ArrayList<>(List.of(dir.resolve(program).toString()));
    cmd.addAll(List.of(args));
    TestService.Result r = TestService.run(env, dir, null, cmd, 30);
    return r;
  }

  private Map<String, String> fakeJdk() {
    return Map.of("JVS_JAVA_HOME", dir.resolve("jdk").toString());
  }

  @Test
  void withoutAServiceItExecsTheJvmAsTheScriptsDid() throws IOException {
    String init = "-Djvs.init=" + dir.resolve("jvs-init");
    String jar = dir.resolve("jvs.jar").toString();
    assertThat(run("jvs", fakeJdk(), "list", "a b").out().lines())
        .containsExactly(
            "--enable-native-access=ALL-UNNAMED",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            init,
            "-jar",
            jar,
            "list",
            "a b");
    assertThat(run("jvs-oci", fakeJdk(), "--root", "r", "state", "x").out().lines())
        .containsExactly(
            "--enable-native-access=ALL-UNNAMED",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            init,
            "-cp",
            jar,
            "dev.jvs.oci.cli.OciMain",
            "--root",
            "r",
            "state",
            "x");
    // the service itself gets the full JIT; `jvs-client` by any other name is jvs
    assertThat(run("jvs-client", fakeJdk(), "serve").out().lines())
        .containsExactly(
            "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", init, "-jar", jar, "serve");
    // the AOT cache only while it is newer than the jar
    Path aot = dir.resolve("jvs.aot");
    Files.writeString(aot, "");
    Files.setLastModifiedTime(aot, FileTime.from(Instant.now().plusSeconds(5)));
    assertThat(run("jvs", fakeJdk(), "list").out().lines())
        .contains("-XX:AOTCache=" + aot, "-Xlog:aot=off", "-Xlog:cds=off");
    assertThat(run("jvs-oci", fakeJdk(), "list").out()).doesNotContain("AOTCache");
    Files.setLastModifiedTime(aot, FileTime.from(Instant.now().minusSeconds(60)));
    assertThat(run("jvs", fakeJdk(), "list").out()).doesNotContain("AOTCache");
    // no JDK there: one line
    TestService.Result none = run("jvs", Map.of("JVS_JAVA_HOME", "/nonexistent"), "list");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).isEqualTo("jvs: /nonexistent/bin/java: No such file or directory\n");
  }

  @Test
  void aServiceThatEndsTheRequestWithoutAResultIsOneLineAndExitOne() throws Exception {
    Path sock = dir.resolve("run/jvs.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      CompletableFuture<String> request = answer(server, null);
      TestService.Result r = run("jvs-oci", Map.of("FOO", "a=b c"), "state", "a b");
      assertThat(r)
          .isEqualTo(
              new TestService.Result(
                  1, "", "jvs-oci: the jvs service ended the request before its result\n"));
      assertThat(request.get(10, TimeUnit.SECONDS))
          .startsWith("jvs-client 1\nfront jvs-oci\ncwd " + dir + "\n")
          .contains("env FOO=a=b%20c\n")
          .endsWith("arg state\narg a%20b\nend\n");

      // `fallback`: the service will not take it; the client runs the JVM instead
      request = answer(server, "fallback this%20service%20serves%20another%20root\n");
      assertThat(run("jvs", fakeJdk(), "list").out().lines()).contains("-jar", "list");
      request.get(10, TimeUnit.SECONDS);

      // `exit CODE` is the client's status, nothing printed of its own
      request = answer(server, "exit 42\n");
      assertThat(run("jvs", fakeJdk(), "list")).isEqualTo(new TestService.Result(42, "", ""));
      request.get(10, TimeUnit.SECONDS);
    }
    // a socket nobody listens on (a killed service): the JVM path
    assertThat(sock).exists();
    assertThat(run("jvs", fakeJdk(), "list").out().lines()).contains("-jar", "list");
  }

  /** Reads one request up to `end`, then answers {@code reply} (null: hangs up). */
  private static CompletableFuture<String> answer(ServerSocketChannel server, String reply) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (SocketChannel c = server.accept()) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            StringBuilder got = new StringBuilder();
            while (!got.toString().endsWith("end\n") && c.read(buf.clear()) > 0) {
              got.append(StandardCharsets.UTF_8.decode(buf.flip()));
            }
            if (reply != null) {
              c.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
            }
            return got.toString();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
