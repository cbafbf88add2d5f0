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
}
