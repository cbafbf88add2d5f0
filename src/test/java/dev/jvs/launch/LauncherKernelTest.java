package dev.jvs.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.runtime.MountFlags;
import dev.jvs.runtime.Namespace;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jvs-init driven through Java: the contract of docs/launch-program.md on the real kernel. */
@Tag("kernel")
class LauncherKernelTest {
  private final Launcher launcher = new Launcher(TestHost.initBinary());

  private static Launcher.Stdio toFile(Path out) {
    return new Launcher.Stdio(
        ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
        ProcessBuilder.Redirect.to(out.toFile()),
        ProcessBuilder.Redirect.appendTo(out.toFile()));
  }

  @Test
  void runsTheProgramAndReportsTheExitCode(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    LaunchProgram p =
        LaunchProgram.builder()
            .statusFile(dir.resolve("exit").toString())
            .clone(Namespace.UTS.flag())
            .sethostname("probe-host")
            .env(Map.of("PATH", "/bin:/usr/bin"))
            .exec(List.of("sh", "-c", "hostname; exit 9"))
            .build();
    AtomicLong placed = new AtomicLong();
    try (Launched l =
        launcher.launch(
            p, dir.resolve("s.sock"), toFile(out), (monitor, child) -> placed.set(child))) {
      assertThat(l.childPid()).isEqualTo(placed.get());
      assertThat(l.awaitExit()).isEqualTo(9);
    }
    assertThat(Files.readString(out)).isEqualTo("probe-host\n");
    assertThat(Files.readString(dir.resolve("exit"))).isEqualTo("exited 9\n");
  }

  @Test
  void aFailedOperationIsNamedWithItsPathAndErrno(@TempDir Path dir) {
    LaunchProgram p =
        LaunchProgram.builder()
            .clone(Namespace.MOUNT.flag())
            .mount("", "/", "", MountFlags.REC | MountFlags.PRIVATE, "")
            .mount("proc", dir.resolve("missing/proc").toString(), "proc", 0, "")
            .exec(List.of("/bin/true"))
            .build();
    assertThatThrownBy(
            () -> launcher.launch(p, dir.resolve("s.sock"), toFile(dir.resolve("o")), (m, c) -> {}))
        .isInstanceOf(LaunchException.class)
        .hasMessage("mount proc on " + dir.resolve("missing/proc") + ": No such file or directory")
        .extracting(e -> ((LaunchException) e).errno())
        .isEqualTo(2);
  }

  @Test
  void optionalOperationsTolerateMissingPaths(@TempDir Path dir) throws Exception {
    LaunchProgram p =
        LaunchProgram.builder()
            .clone(Namespace.MOUNT.flag())
            .mount("", "/", "", MountFlags.REC | MountFlags.PRIVATE, "")
            .mountIfPresent(
                "/dev/null", dir.resolve("nothing-here").toString(), "", MountFlags.BIND, "")
            .exec(List.of("/bin/true"))
            .build();
    try (Launched l =
        launcher.launch(p, dir.resolve("s.sock"), toFile(dir.resolve("o")), (m, c) -> {})) {
      assertThat(l.awaitExit()).isZero();
    }
  }

  @Test
  void aFailedPreparationKillsTheChildBeforeItRuns(@TempDir Path dir) throws Exception {
    Path marker = dir.resolve("ran");
    LaunchProgram p =
        LaunchProgram.builder()
            .clone(Namespace.PID.flag())
            .exec(List.of("/bin/touch", marker.toString()))
            .build();
    AtomicLong child = new AtomicLong();
    assertThatThrownBy(
            () ->
                launcher.launch(
                    p,
                    dir.resolve("s.sock"),
                    toFile(dir.resolve("o")),
                    (m, c) -> {
                      child.set(c);
                      throw new IllegalStateException("cgroup placement failed");
                    }))
        .isInstanceOf(LaunchException.class)
        .hasMessage("cgroup placement failed");
    assertThat(marker).doesNotExist();
    assertThat(Path.of("/proc/" + child.get())).doesNotExist();
    assertThat(dir.resolve("s.sock")).doesNotExist();
  }

  /**
   * An idle monitor is a cost of every guest: once the child runs, the monitor frees its program
   * and the line buffer a long line (a seccomp program, here a 48 KiB write) grew, and gives the
   * pages back; the status and log files it still writes keep their names.
   */
  @Test
  void aRunningChildsMonitorHasGivenItsProgramsMemoryBack(@TempDir Path dir) throws Exception {
    LaunchProgram p =
        LaunchProgram.builder()
            .statusFile(dir.resolve("exit").toString())
            .log(dir.resolve("console.log").toString(), 1 << 20, 2)
            .clone(Namespace.UTS.flag())
            .touch(dir.resolve("big").toString(), 0644)
            .write(dir.resolve("big").toString(), "x".repeat(48 * 1024))
            .exec(List.of("/bin/sh", "-c", "sleep 0.5; echo done"))
            .build();
    try (Launched l =
        launcher.launch(p, dir.resolve("s.sock"), toFile(dir.resolve("o")), (m, c) -> {})) {
      assertThat(heapResidentKib(l.monitorPid())).isLessThan(32);
      assertThat(l.awaitExit()).isZero();
    }
    assertThat(Files.size(dir.resolve("big"))).isEqualTo(48 * 1024);
    assertThat(Files.readString(dir.resolve("exit"))).isEqualTo("exited 0\n");
    assertThat(Files.readString(dir.resolve("console.log"))).isEqualTo("done\n");
  }

  /** Resident KiB of a process's [heap] mapping (its malloc arena). */
  private static long heapResidentKib(long pid) throws Exception {
    List<String> smaps = Files.readAllLines(Path.of("/proc/" + pid + "/smaps"));
    int at = -1;
    for (int i = 0; i < smaps.size(); i++) {
      if (smaps.get(i).endsWith("[heap]")) {
        at = i;
      }
    }
    assertThat(at).as("the monitor's [heap] mapping").isNotNegative();
    for (String line : smaps.subList(at + 1, smaps.size())) {
      if (line.startsWith("Rss:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new AssertionError("no Rss line after [heap]");
  }
}
