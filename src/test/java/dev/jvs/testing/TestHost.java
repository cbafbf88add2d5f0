package dev.jvs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.Guests;
import dev.jvs.guest.JvsDirs;
import dev.jvs.image.Trees;
import dev.jvs.kernel.seccomp.SeccompCompiler;
import dev.jvs.kernel.seccomp.SeccompProfiles;
import dev.jvs.launch.Launcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A jvs host for one test: its own JVS_ROOT and JVS_RUN under /tmp/jvs-it-* (or the directory
 * jvs.test.rootDir names), the real kernel underneath. {@link #close()} stops every guest, collects
 * garbage, removes the roots and fails the test if anything is left on the host.
 */
public final class TestHost implements AutoCloseable {
  /**
   * Where test roots go. The cgroup v2 test VM puts them on its ext4 disk: its /tmp is a tmpfs,
   * which Linux 6.1 cannot idmap for unprivileged guests (tmpfs can from 6.3).
   */
  private static final Path ROOTS = Path.of(System.getProperty("jvs.test.rootDir", "/tmp"));

  private static final byte[] SECCOMP = SeccompCompiler.compile(SeccompProfiles.defaultProfile());

  private final Path base;
  private final JvsDirs dirs;
  private final Guests guests;
  private boolean garbageExpected;

  public TestHost() {
    try {
      base = Files.createTempDirectory(ROOTS, "jvs-it-");
      // searchable, as /var/lib/jvs is: unprivileged guests' ids pass through it to their layers
      Files.setPosixFilePermissions(
          base, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dirs = new JvsDirs(base.resolve("root"), base.resolve("run"));
    guests = new Guests(dirs, initBinary(), CgroupDriver.detect(), SECCOMP);
  }

  public static Path initBinary() {
    return Path.of(System.getProperty("jvs.init", "target/jvs-init"));
  }

  public Guests guests() {
    return guests;
  }

  public JvsDirs dirs() {
    return dirs;
  }

  public Path base() {
    return base;
  }

  /** Environment for running the CLI as a separate process against this host. */
  public java.util.Map<String, String> env() {
    return java.util.Map.of("JVS_ROOT", dirs.root().toString(), "JVS_RUN", dirs.run().toString());
  }

  /** Builds and starts a busybox system guest. */
  public GuestName systemGuest(String name) {
    GuestName g = GuestName.of(name);
    guests.build(g, "busybox");
    guests.start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  /** Copies the probe binary into a built guest's private layer as /probe. */
  public void installProbe(GuestName guest) {
    installProbe(guest, "probe");
  }

  /** Copies the probe src/test/c/NAME.c, built, into a built guest's private layer as /NAME. */
  public void installProbe(GuestName guest, String name) {
    try {
      Path target = dirs.guest(guest).resolve("upper").resolve(name);
      Files.copy(Probe.binary(name), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Output and exit code of a command run in a guest. */
  public record Run(int code, String output) {}

  public Run exec(GuestName guest, String... argv) {
    Path out = tempFile();
    try {
      int code = guests.exec(guest, List.of(argv), false, Launcher.Stdio.toFile(out));
      return new Run(code, Files.readString(out, java.nio.charset.StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(out);
    }
  }

  /** Runs a foreground application guest and captures its output. */
  public Run runApplication(GuestName guest, String... argv) {
    Path out = tempFile();
    try {
      int code =
          guests.start(guest, List.of(argv), Guests.Attach.FOREGROUND, Launcher.Stdio.toFile(out));
      return new Run(code, Files.readString(out, java.nio.charset.StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(out);
    }
  }

  private Path tempFile() {
    try {
      return Files.createTempFile(base, "out", ".txt");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the base directory goes at close()
    }
  }

  /**
   * The test leaves something for gc on purpose (it killed a monitor or the service, or planted
   * stale state): {@link #close()} then lets gc collect it instead of failing.
   */
  public void expectGarbage() {
    garbageExpected = true;
  }

  /**
   * Stops everything, removes the roots, then asserts nothing leaked. gc runs last as the safety
   * net that keeps one test's leak from failing the next; what it had to collect fails this test,
   * unless {@link #expectGarbage()} said so: jvs's own stop and cleanup must leave nothing.
   */
  @Override
  public void close() {
    List<String> collected = List.of();
    try {
      for (GuestStatus s : guests.list()) {
        if (s.state() == GuestStatus.State.RUNNING) {
          guests.stop(GuestName.of(s.name()), Duration.ZERO);
        }
      }
    } finally {
      collected = guests.gc();
      List<String> leaks = LeakAudit.leftovers(base, dirs.cgroupParent());
      Trees.deleteIfExists(base);
      assertThat(leaks).as("objects left on the host").isEmpty();
    }
    if (!garbageExpected) {
      // ip_forward is the host's, shared by every root: another root's crashed bridge may leave
      // its restore to this gc (seen with helpers' roots beside the suite), which is not this
      // test's leak.
      assertThat(collected.stream().filter(c -> !c.equals("ip_forward restored")))
          .as("what jvs left for gc to collect")
          .isEmpty();
    }
  }
}
