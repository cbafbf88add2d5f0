package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.TestHost;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Socket activation as dist/jvs.socket sets it up: systemd listens on $JVS_RUN/jvs.sock and starts
 * `jvs serve` at the first connection, passing the listening socket as fd 3 (LISTEN_PID,
 * LISTEN_FDS). systemd-socket-activate does what systemd does here. The first call waits for the
 * service to come up, and it and every later call are served.
 */
@Tag("kernel")
class SocketActivationIT {

  @Test
  void theFirstCallStartsTheServiceOnTheSocketSystemdHolds() throws Exception {
    try (TestHost host = new TestHost()) {
      Path socket = host.dirs().run().resolve("jvs.sock");
      Files.createDirectories(socket.getParent());
      Path log = host.base().resolve("activated.log");
      List<String> cmd =
          new ArrayList<>(List.of("systemd-socket-activate", "-l", socket.toString()));
      Map<String, String> env =
          Map.of(
              "JVS_ROOT",
              host.dirs().root().toString(),
              "JVS_RUN",
              host.dirs().run().toString(),
              "JVS_JAVA_HOME",
              System.getProperty("java.home"),
              "PATH",
              System.getenv("PATH"));
      env.forEach((k, v) -> cmd.addAll(List.of("-E", k + "=" + v)));
      cmd.addAll(
          List.of(
              "env",
              "--default-signal",
              TestService.client().toString(),
              "serve",
              "--no-lxcfs",
              "--tick",
              "200ms"));
      Process activator =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      try {
        for (int i = 0; i < 500 && !Files.exists(socket); i++) {
          Thread.sleep(10);
        }
        assertThat(socket).exists();
        assertThat(Files.readString(log)).doesNotContain("jvs and jvs-oci calls");

        TestService.Result first = TestService.jvs(host, "build", "a1"); // starts the service
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(TestService.jvs(host, "list").out()).contains("a1");
        String text = Files.readString(log);
        assertThat(text)
            .contains("jvs and jvs-oci calls on " + socket + " (passed by systemd)")
            .containsPattern("#1 jvs build a1 -> 0")
            .containsPattern("#2 jvs list -> 0");
        // the service is the activator's process, exec'd: LISTEN_PID was its own pid
        assertThat(ServiceCliIT.cmdline(activator.pid())).contains("jvs.jar\u0000serve");
      } finally {
        activator.destroy(); // SIGTERM: the service stops; the socket is systemd's, not removed
        assertThat(activator.waitFor(20, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(socket).exists();
      assertThat(TestService.jvs(host, "list").out()).contains("a1"); // nobody there: the JVM
    }
  }
}
