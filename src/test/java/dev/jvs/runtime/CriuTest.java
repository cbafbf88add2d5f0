package dev.jvs.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How jvs reads criu's logs and hands the host's stdio back to a restore. */
class CriuTest {
  @TempDir Path dir;

  @Test
  void theCauseIsTheFirstErrorButCriusOwnRlimitComplaintAndTunProbe() throws Exception {
    Path log = dir.resolve("dump.log");
    Files.writeString(
        log,
        """
        (00.000001) Version: 4.2.1 (gitid 0)
        (00.019060) Error (criu/tun.c:85): tun: Unable to create tun: Operation not permitted
        (00.637862) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted
        (00.833715) Error (criu/files-reg.c:1790): Can't lookup mount=23 for fd=0 path=/dev/null
        (00.833733) Error (criu/cr-dump.c:1681): Dump files (pid: 17622) failed with -1
        (01.292846) Error (criu/cr-dump.c:2111): Dumping FAILED.
        """);
    assertThat(Criu.firstError(log)).contains("Can't lookup mount=23 for fd=0 path=/dev/null");
    assertThat(Criu.firstError(dir.resolve("missing.log"))).isEmpty();
  }

  @Test
  void theTreeFreezesAtCriusFirstSeize() throws Exception {
    Path log = dir.resolve("dump.log");
    Files.writeString(
        log,
        """
        (00.000000) CRIU run id = 0b980b29
        (00.071114) Running pre-dump scripts
        	not a timed line
        (00.071872) Seized task 13407, state 1
        (00.133108) Seized task 13408, state 1
        (00.137506) Running post-dump scripts
        """);
    assertThat(Criu.firstSeize(log)).contains(Duration.ofNanos(71_872_000));
    Files.writeString(log, "(00.000000) CRIU run id = 1\n(00.070000) Error (x): no seize\n");
    assertThat(Criu.firstSeize(log)).isEmpty();
    assertThat(Criu.firstSeize(dir.resolve("missing.log"))).isEmpty();
  }

  @Test
  void theFreezeIsTheLogsBirthPlusTheSeizeNeverBeforeTheSpawnNorLate() throws Exception {
    Path log = dir.resolve("dump.log");
    String seized = "(00.000000) CRIU run id = 1\n(00.250000) Seized task 13407, state 1\n";
    long spawned = System.nanoTime();
    Thread.sleep(50); // criu's start after its spawn: the log is born then
    long born = System.nanoTime();
    Files.writeString(log, seized);
    long written = System.nanoTime();
    long at = Criu.seizedAt(log, spawned);
    long seize = Duration.ofMillis(250).toNanos();
    long tick = Duration.ofMillis(12).toNanos(); // the file system's coarse clock, the 1 ms margin
    assertThat(at).isBetween(born + seize - tick, written + seize);
    // a log older than the spawn (not this dump's): the spawn stands for its birth
    long later = System.nanoTime();
    assertThat(Criu.seizedAt(log, later)).isEqualTo(later + seize);
    Files.writeString(log, "(00.000000) CRIU run id = 1\n");
    assertThat(Criu.seizedAt(log, spawned)).isEqualTo(spawned);
    assertThat(Criu.seizedAt(dir.resolve("missing.log"), spawned)).isEqualTo(spawned);
  }

  @Test
  void aFailureIsOneLineNamingTheInstanceStepCauseAndLog() throws Exception {
    Path log = dir.resolve("dump.log");
    Files.writeString(
        log,
        "(00.1) Error (criu/sockets.c:640): sockets: Can't get 1:16 opt: Operation not supported\n");
    String message = Criu.failure("web1", "dump", 1, log).getMessage();
    assertThat(message)
        .startsWith("web1: criu dump failed: sockets: Can't get 1:16 opt")
        .contains("criu before 4.2 cannot dump TCP sockets")
        .endsWith("(log: " + log + ")")
        .doesNotContain("\n");
  }

  @Test
  void stdinGetsItsOwnFdAndTheOutputPipeOneFdForBothStreams() {
    InheritedStdio stdio =
        new InheritedStdio(Map.of(0, "file[17:3]", 1, "pipe:[1300750]", 2, "pipe:[1300750]"));
    assertThat(stdio.distinctKeys()).containsExactlyInAnyOrder("file[17:3]", "pipe:[1300750]");
    assertThat(stdio.inheritArguments(0, 1))
        .containsExactlyInAnyOrder(
            "--inherit-fd", "fd[0]:file[17:3]", "--inherit-fd", "fd[1]:pipe:[1300750]");
    assertThat(InheritedStdio.fromProperties(stdio.asProperties())).isEqualTo(stdio);
  }

  @Test
  void anOciRestoreGivesEachDumpedStdioKeyTheFdThatHeldIt() {
    // conmon: stdin /dev/null, stdout and stderr two pipes; the restore has conmon's new ones
    InheritedStdio stdio =
        new InheritedStdio(Map.of(0, "file[17:3]", 1, "pipe:[11]", 2, "pipe:[12]"));
    assertThat(stdio.inheritArgumentsToTheSameFds())
        .containsExactly(
            "--inherit-fd",
            "fd[0]:file[17:3]",
            "--inherit-fd",
            "fd[1]:pipe:[11]",
            "--inherit-fd",
            "fd[2]:pipe:[12]");
    // one pipe on both outputs: passed once, on the first fd that had it
    assertThat(
            new InheritedStdio(Map.of(1, "pipe:[5]", 2, "pipe:[5]")).inheritArgumentsToTheSameFds())
        .containsExactly("--inherit-fd", "fd[1]:pipe:[5]");
  }

  @Test
  void aProcessWithItsOwnStdioNeedsNothingExternal() {
    // this JVM's stdio: files it opened lie in its own mounts; only pipes could be external
    InheritedStdio own = InheritedStdio.of(ProcessHandle.current().pid());
    assertThat(List.copyOf(own.keys().values())).noneMatch(k -> k.startsWith("file["));
  }
}
