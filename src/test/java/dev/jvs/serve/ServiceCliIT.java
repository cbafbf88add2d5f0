package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The jvs CLI through the one service (issue 13, acceptance 2 and 3): ./jvs (jvs-client) hands each
 * call to `jvs serve` with its argv, environment, cwd and stdio fds, and prints and exits exactly
 * as the JVM path does; a terminal's window size and signals reach an exec.
 */
@Tag("kernel")
class ServiceCliIT {

  @Test
  void theServicePrintsAndExitsAsTheJvmPathDoes() {
    try (TestHost cold = new TestHost();
        TestHost warm = new TestHost();
        TestService service = TestService.start(warm)) {
      List<List<String>> calls =
          List.of(
              List.of("build", "g1"),
              List.of("build", "g1"),
              List.of("build", "bad/name"),
              List.of("list"),
              List.of("start", "g1"),
              List.of("start", "g1"),
              List.of("list"),
              List.of("status", "g1"),
              List.of("exec", "g1", "--", "sh", "-c", "echo out; echo err >&2; exit 7"),
              List.of("exec", "g1", "--", "sh", "-c", "read x; echo got $x"),
              List.of("exec", "nosuch", "--", "true"),
              List.of("set", "g1", "memory.rss=12Q"),
              List.of("set", "g1", "pids.max=100"),
              List.of("bogus"),
              List.of("stop", "--timeout", "x", "g1"),
              List.of("stop", "-t", "0", "g1"),
              List.of("stop", "g1"),
              List.of("status", "g1"),
              List.of("build", "app"),
              List.of("start", "app", "--", "sh", "-c", "echo fg; read x; echo got $x >&2; exit 5"),
              List.of("status", "app"),
              List.of("delete", "g1"),
              List.of("gc"),
              List.of("list"),
              List.of("--help"));
      int before = service.served().size();
      for (List<String> call : calls) {
        String[] args = call.toArray(String[]::new);
        TestService.Result c = TestService.jvsWithStdin(cold, "line\n", args);
        TestService.Result w = TestService.jvsWithStdin(warm, "line\n", args);
        String what = String.join(" ", call);
        assertThat(w.code()).as("exit of %s (stderr %s)", what, w.err()).isEqualTo(c.code());
        assertThat(normalize(w.out())).as("stdout of %s", what).isEqualTo(normalize(c.out()));
        assertThat(normalize(w.err())).as("stderr of %s", what).isEqualTo(normalize(c.err()));
      }
      // every call went through the service, none fell back to a JVM
      List<String> served = service.served().subList(before, service.served().size());
      assertThat(served)
          .as(service.logText())
          .hasSize(calls.size())
          .noneMatch(l -> l.contains("its own JVM"));
    }
  }

  /** Pids, times, sizes and the cgroup parent's hash differ from host to host; the rest may not. */
  private static String normalize(String text) {
    return text.replaceAll("jvs-[0-9a-f]{8}", "jvs-H")
        .replaceAll("[0-9]+(\\.[0-9]+)?( ?(B|KiB|MiB|GiB|ms|s|m|h)\\b)?", "N")
        .replaceAll("N(m|h)N", "N")
        .replaceAll(" +", " ");
  }

  @Test
  void aTerminalsWindowSizeAndSignalsReachAnExec() throws Exception {
    try (TestHost host = new TestHost();
        TestService service = TestService.start(host)) {
      assertThat(TestService.jvs(host, "build", "web1").code()).isZero();
      assertThat(TestService.jvs(host, "start", "web1").code()).isZero();
      String client = TestService.client().toString();

      // exec -t on the caller's terminal (script's pty); then the window changes size
      Process script =
          terminal(
              host,
              "stty rows 20 cols 60; exec "
                  + client
                  + " exec -t web1 -- sh -c 'stty size; sleep 2; stty size; exit 4'");
      long pid = awaitClient(script);
      Thread.sleep(800);
      assertThat(
              new ProcessBuilder("stty", "-F", "/proc/" + pid + "/fd/0", "rows", "33", "cols", "77")
                  .start()
                  .waitFor())
          .isZero();
      assertThat(script.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String shown = read(script);
      assertThat(shown).contains("20 60", "33 77");
      assertThat(script.exitValue()).as(shown).isEqualTo(4);

      // enter: a login shell on a fresh pty of the guest's, the caller's terminal relayed
      Process enter = terminal(host, "exec " + client + " enter web1");
      enter
          .getOutputStream()
          .write("echo marker-$((6*7)) term-$TERM; tty; exit 3\n".getBytes(StandardCharsets.UTF_8));
      enter.getOutputStream().flush();
      assertThat(enter.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String entered = read(enter);
      // the caller's TERM, not the service's
      assertThat(entered).contains("marker-42 term-screen", "/dev/pts/0");
      assertThat(enter.exitValue()).as(entered).isEqualTo(3);

      // SIGINT to the client reaches the exec'd command (not the guest's monitor's child: the
      // client passes it on), which dies of it; the client exits as the command did
      ProcessBuilder pb =
          new ProcessBuilder(
                  "env", "--default-signal", client, "exec", "web1", "--", "sleep", "101")
              .redirectErrorStream(true);
      TestService.environment(pb, host.env());
      Process exec = pb.start();
      long sleeper = awaitProcess("sleep\u0000101\u0000", 10_000).orElseThrow();
      awaitRelay(service, exec.pid());
      new ProcessBuilder("kill", "-INT", Long.toString(exec.pid())).start().waitFor();
      assertThat(exec.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(exec.exitValue()).isEqualTo(130);
      assertThat(Path.of("/proc/" + sleeper)).doesNotExist();

      assertThat(service.served())
          .anyMatch(l -> l.contains(" jvs exec -t web1 -- sh -c"))
          .anyMatch(l -> l.contains(" jvs enter web1 -> 3"))
          .anyMatch(l -> l.contains(" jvs exec web1 -- sleep 101 -> 130"));
    }
  }

  @Test
  void withoutTheServiceOrForAnotherRootTheClientRunsTheJvm() throws Exception {
    try (TestHost host = new TestHost();
        TestHost other = new TestHost();
        TestService service = TestService.start(host)) {
      int before = service.served().size();
      // JVS_SOCKET empty: never the service
      TestService.Result cold =
          TestService.run(
              Map.of(
                  "JVS_ROOT",
                  host.dirs().root().toString(),
                  "JVS_RUN",
                  host.dirs().run().toString(),
                  "JVS_SOCKET",
                  ""),
              host.base(),
              null,
              List.of(TestService.client().toString(), "build", "c1"),
              120);
      assertThat(cold.code()).as(cold.err()).isZero();
      assertThat(service.served()).hasSize(before);
      // another JVS_ROOT on this service's socket: the service says so, the client runs its JVM
      Map<String, String> env = new java.util.HashMap<>(other.env());
      env.put("JVS_RUN", host.dirs().run().toString());
      TestService.Result elsewhere =
          TestService.run(
              env, host.base(), null, List.of(TestService.client().toString(), "list"), 120);
      assertThat(elsewhere.code()).as(elsewhere.err()).isZero();
      assertThat(service.served())
          .last()
          .asString()
          .contains(
              "jvs list -> its own JVM: this" + " service serves JVS_ROOT=" + host.dirs().root());
      // `serve` and `bench` are processes of their own, never run inside the service
      assertThat(TestService.jvs(host, "bench", "--help").out()).contains("Benchmarks");
      assertThat(service.served()).last().asString().contains("runs in a JVM of its own");
      // a second service on the same socket is refused; the first keeps serving
      TestService.Result second = TestService.jvs(host, "serve", "--no-lxcfs");
      assertThat(second.code()).isEqualTo(1);
      assertThat(second.err()).contains("a jvs service is already listening there");
      assertThat(TestService.jvs(host, "list").out()).contains("c1");
      // the service gone (SIGTERM): it removed its socket, and the JVM path serves
      service.close();
      assertThat(service.socket).doesNotExist();
      assertThat(TestService.jvs(host, "list").out()).contains("c1");
    }
  }

  /** `script` running {@code command} on a fresh pty, its stdin a pipe from this test. */
  private static Process terminal(TestHost host, String command) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true);
    TestService.environment(pb, host.env());
    pb.environment().put("TERM", "screen");
    return pb.start();
  }

  private static String read(Process p) throws IOException {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** The jvs-client below {@code script}. */
  private static long awaitClient(Process script) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      Optional<ProcessHandle> client =
          script.descendants().filter(p -> comm(p.pid()).equals("jvs-client")).findFirst();
      if (client.isPresent()) {
        return client.get().pid();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no jvs-client below script");
  }

  /** Waits until the client has been told the exec's monitor (it then relays signals). */
  private static void awaitRelay(TestService service, long client) throws Exception {
    // the client blocks the relayed signals once it knows where they go
    for (int i = 0; i < 500; i++) {
      String status = Files.readString(Path.of("/proc/" + client + "/status"));
      if (status
          .lines()
          .anyMatch(l -> l.startsWith("SigBlk:") && !l.endsWith("0000000000000000"))) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the client never relayed signals: " + service.logText());
  }

  /** The pid of a process whose cmdline is {@code cmdline}. */
  static Optional<Long> awaitProcess(String cmdline, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      try (var all = ProcessHandle.allProcesses()) {
        Optional<Long> found =
            all.map(ProcessHandle::pid).filter(p -> cmdline(p).equals(cmdline)).findFirst();
        if (found.isPresent()) {
          return found;
        }
      }
      Thread.sleep(20);
    }
    return Optional.empty();
  }

  static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  static String cmdline(long pid) {
    try {
      return new String(
          Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }
}
