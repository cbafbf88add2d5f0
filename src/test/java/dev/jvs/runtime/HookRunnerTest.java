package dev.jvs.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hook mechanism under OCI hooks and guest scripts, with real processes. */
class HookRunnerTest {
  @TempDir Path dir;

  private final List<String> lines = new ArrayList<>();

  private HookRunner.Result run(String script, Map<String, String> env, Duration timeout)
      throws Exception {
    Path file = dir.resolve("hook");
    Files.writeString(file, "#!/bin/sh\n" + script);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return HookRunner.run(
        new HookRunner.Hook(
            List.of(file.toString(), "arg1"),
            env,
            dir,
            "the state\n".getBytes(StandardCharsets.UTF_8),
            timeout),
        (stream, line) -> lines.add(stream + " " + line));
  }

  @Test
  void passesOutputLineByLineAndKeepsTheLastLineOfStderr() throws Exception {
    HookRunner.Result r =
        run(
            "echo one; echo two >&2; echo three; echo 'last words' >&2; echo >&2; exit 3",
            Map.of(),
            null);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.timedOut()).isFalse();
    assertThat(r.succeeded()).isFalse();
    assertThat(r.lastError()).isEqualTo("last words");
    assertThat(lines)
        .filteredOn(l -> l.startsWith("STDOUT"))
        .containsExactly("STDOUT one", "STDOUT three");
    assertThat(lines)
        .filteredOn(l -> l.startsWith("STDERR"))
        .containsExactly("STDERR two", "STDERR last words", "STDERR ");
  }

  @Test
  void runsWithExactlyTheEnvironmentArgumentsStdinAndDirectoryGiven() throws Exception {
    HookRunner.Result r =
        run(
            "read state; echo \"$state|$1|$(pwd)\"; env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | sort",
            Map.of("JVS_GUEST", "web1", "OTHER", "x y"),
            Duration.ofSeconds(30));
    assertThat(r.succeeded()).isTrue();
    assertThat(lines)
        .containsExactly(
            "STDOUT the state|arg1|" + dir, "STDOUT JVS_GUEST=web1", "STDOUT OTHER=x y");
  }

  /** A timed-out hook is killed with everything it started in its process group. */
  @Test
  void aTimeoutKillsTheHooksWholeProcessGroup() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    HookRunner.Result r =
        run(
            "sleep 1000 & echo $! > " + pidFile + "; echo started; wait",
            Map.of(),
            Duration.ofMillis(300));
    assertThat(r.timedOut()).isTrue();
    assertThat(r.succeeded()).isFalse();
    assertThat(lines).contains("STDOUT started");
    long child = Long.parseLong(Files.readString(pidFile).strip());
    // SIGKILL takes effect when the child is next scheduled: give it that, not its 1000 s
    for (int i = 0; i < 500 && running(child); i++) {
      Thread.sleep(20);
    }
    assertThat(running(child)).as("background child of the hook after the timeout").isFalse();
  }

  @Test
  void aProgramThatIsNotAnExecutableFileIsAnError() {
    assertThatThrownBy(
            () ->
                HookRunner.run(
                    new HookRunner.Hook(
                        List.of(dir.resolve("missing").toString()), Map.of(), null, null, null),
                    (s, l) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessage("not an executable file");
  }

  /** Alive and not a zombie (dead, not yet reaped by its new parent). */
  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false; // gone
    }
  }
}
