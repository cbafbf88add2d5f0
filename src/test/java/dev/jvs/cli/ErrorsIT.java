package dev.jvs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.cgroup.CgroupV1Driver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.guest.state.GuestState;
import dev.jvs.guest.state.StateStore;
import dev.jvs.kernel.FileLock;
import dev.jvs.kernel.Signal;
import dev.jvs.testing.CgroupFiles;
import dev.jvs.testing.Cli;
import dev.jvs.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Failures the host causes, not the user's input (issue 13, acceptance 5): a held lock, a guest
 * whose monitor vanished, a limit the kernel refuses (EBUSY), a kernel feature this host lacks, a
 * full disk. Each is one line `jvs: NAME: what: why` on stderr, a non-zero exit, and no Java stack
 * trace unless JVS_DEBUG=1.
 */
@Tag("kernel")
class ErrorsIT {

  /** Runs the CLI with extra JVM options; asserts exit≠0 and exactly one stderr line. */
  private static String fails(
      TestHost host, Map<String, String> env, List<String> jvm, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(Cli.command(args));
    cmd.addAll(1, jvm);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(host.env());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue())
        .as("exit of jvs %s (stdout %s)", String.join(" ", args), out)
        .isNotZero();
    assertThat(err.lines())
        .as("stderr of jvs %s", String.join(" ", args))
        .hasSize(1)
        .noneMatch(l -> l.contains("\tat ") || l.contains("Exception"));
    return err.strip();
  }

  private static String fails(TestHost host, String... args) throws Exception {
    return fails(host, Map.of(), List.of(), args);
  }

  @Test
  void aHeldLockIsOneLineNotAHang() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = host.systemGuest("locked");
      Path lock = host.dirs().lock(g);
      try (FileLock held = FileLock.acquire(lock)) {
        assertThat(fails(host, Map.of(), List.of("-Djvs.lock.timeout=1"), "stop", "locked"))
            .isEqualTo(
                "jvs: locked: busy: another jvs command has held its lock for 1 s;" + " try again");
      }
      assertThat(new Cli(host).run("stop", "locked").code()).isZero(); // and once it is free
    }
  }

  @Test
  void aGuestWhoseMonitorVanishedIsNotRunningAndLeavesNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g = host.systemGuest("gone");
      GuestState s = new StateStore().read(host.dirs().runGuest(g)).orElseThrow();
      dev.jvs.kernel.Libc.kill((int) s.monitorPid(), Signal.SIGKILL);
      ProcessHandle.of(s.monitorPid()).ifPresent(h -> h.onExit().join());
      assertThat(fails(host, "exec", "gone", "--", "true")).isEqualTo("jvs: gone: not running");
      assertThat(fails(host, "stop", "gone")).isEqualTo("jvs: gone: not running");
      assertThat(host.dirs().runGuest(g).resolve("state.json")).doesNotExist();
    }
  }

  @Test
  void aLimitTheKernelRefusesNamesGuestFileAndReason() throws Exception {
    // v2 takes a memory.max below usage and reclaims (or OOM-kills) instead of refusing it
    assumeTrue(CgroupDriver.detect() instanceof CgroupV1Driver, "a cgroup v1 host");
    try (TestHost host = new TestHost()) {
      GuestName g = host.systemGuest("tight");
      Path conf = host.dirs().guest(g).resolve(ConfigFile.FILE_NAME);
      String before = Files.readString(conf);
      // v1 refuses a memory limit below what the cgroup already uses: EBUSY
      String line = fails(host, "set", "tight", "memory.rss=4K");
      assertThat(line).startsWith("jvs: tight: ").contains("memory");
      assertThat(Files.readString(conf)).as("a refused limit is not kept").isEqualTo(before);
      if (!CgroupFiles.ioWeightAvailable()) { // this kernel has no I/O scheduler with a weight
        assertThat(fails(host, "set", "tight", "io.weight=500"))
            .startsWith("jvs: tight: ")
            .contains("not available");
        assertThat(Files.readString(conf)).isEqualTo(before);
      }
    }
  }

  @Test
  void aFullDiskIsOneLine() throws Exception {
    try (TestHost host = new TestHost()) {
      Path small = host.base().resolve("small");
      Files.createDirectories(small);
      Process mount =
          new ProcessBuilder(
                  "mount", "-t", "tmpfs", "-o", "size=256k", "jvs-it-full", small.toString())
              .inheritIO()
              .start();
      assertThat(mount.waitFor()).isZero();
      try {
        Map<String, String> env = Map.of("JVS_ROOT", small.resolve("root").toString());
        String line = fails(host, env, List.of(), "build", "full");
        assertThat(line).startsWith("jvs: ").contains("No space left on device");
      } finally {
        new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
      }
    }
  }

  @Test
  void debugShowsTheTraceTheDefaultHides() throws Exception {
    try (TestHost host = new TestHost()) {
      ProcessBuilder pb = new ProcessBuilder(Cli.command("stop", "nosuch"));
      pb.environment().putAll(host.env());
      pb.environment().put("JVS_DEBUG", "1");
      Process p =
          pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      assertThat(err.lines().findFirst().orElse("")).isEqualTo("jvs: nosuch: no such guest");
      assertThat(err).contains("\tat dev.jvs.");
    }
  }
}
