package dev.jvs.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A guest's console output is a file on the host, $JVS_RUN/guests/NAME/console.log (hole B): it
 * must be bounded by console.size × console.files whatever the guest writes, whatever its
 * disk.space, and the guest must have no way to the host file itself.
 */
@Tag("kernel")
class ConsoleLogKernelTest {
  private static final long MIB = 1L << 20;

  /** What a log may pass its bound by: the relay's last write(s) before a rotation. */
  private static final long SLACK = 256 * 1024;

  @Test
  void floodOfTheConsoleStaysWithinConsoleSizeTimesFiles() throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g =
          AttackHost.guest(
              host,
              "flood",
              Map.of("disk.space", "32M", "console.size", "1M", "console.files", "2"));
      flood(host, g, 300);
      assertBounded(host, g, 2 * MIB);
    }
  }

  @Test
  void theDefaultsBoundTheConsoleToo() throws Exception {
    try (TestHost host = new TestHost()) {
      // no console.* keys: console.size 1M × console.files 2
      GuestName g = AttackHost.guest(host, "flooddef", Map.of());
      flood(host, g, 64);
      assertBounded(host, g, 2 * MIB);
    }
  }

  @ParameterizedTest(name = "security.privileged={0}")
  @ValueSource(booleans = {true, false})
  void initsConsoleIsAPipeNotTheHostsFile(boolean privileged) throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g =
          AttackHost.guest(
              host, "conspipe", Map.of("security.privileged", Boolean.toString(privileged)));
      // Today init's stdout is console.log itself: guest root reopens it through /proc/1/fd/1 and
      // writes to the host's disk past any bound, or truncates it (its own evidence). A pipe to
      // the monitor, which writes and rotates the log, leaves the guest no host file to open.
      for (String fd : List.of("1", "2")) {
        TestHost.Run link = host.exec(g, "readlink", "/proc/1/fd/" + fd);
        assertThat(link.output().strip()).as("init's fd %s", fd).startsWith("pipe:");
      }
      String marker = "before-the-truncation-" + g;
      // Its root may reopen its console, as on a terminal: unprivileged too (the pipe is its).
      TestHost.Run reopened = host.exec(g, "sh", "-c", "echo " + marker + " >> /proc/1/fd/1");
      assertThat(reopened.code()).as(reopened.output()).isZero();
      assertThat(AttackHost.awaitText(() -> logTails(host, g), marker, Duration.ofSeconds(10)))
          .isTrue();
      host.exec(g, "sh", "-c", ": > /proc/1/fd/1"); // open(O_TRUNC) of init's stdout
      assertThat(logTails(host, g))
          .as("the log after the guest truncated its console")
          .contains(marker);
      assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
    }
  }

  @ParameterizedTest(name = "security.privileged={0}")
  @ValueSource(booleans = {true, false})
  void anExecWithItsOutputInAHostFileCannotReopenThatFile(boolean privileged) throws Exception {
    try (TestHost host = new TestHost()) {
      GuestName g =
          AttackHost.guest(
              host, "execfile", Map.of("security.privileged", Boolean.toString(privileged)));
      // host.exec hands the command a host file as stdout, as `jvs exec g -- cmd > f` does. The
      // guest would reopen it through /proc/self/fd/1 (O_RDWR, as root) and read or rewrite it:
      // it must get a pipe the exec's monitor relays to that file instead.
      TestHost.Run r =
          host.exec(
              g,
              "sh",
              "-c",
              "for f in 0 1 2; do readlink /proc/self/fd/$f; done;"
                  + " echo rewritten > /proc/self/fd/1; echo done");
      assertThat(r.output().lines().limit(3).toList()).allMatch(l -> l.startsWith("pipe:"));
      // reopening its stdout reaches the pipe (/dev/stdout works), unprivileged too
      assertThat(r.output()).contains("rewritten").contains("done").doesNotContain("/tmp/");
    }
  }

  /** Guest root writes {@code mib} MiB of zeros to its init's stdout, i.e. to its console. */
  private static void flood(TestHost host, GuestName g, int mib) {
    TestHost.Run dd =
        host.exec(
            g,
            "sh",
            "-c",
            "timeout 120 dd if=/dev/zero of=/proc/1/fd/1 bs=1M count=" + mib + " 2>&1");
    // dd's own result is not the point (a bounded log may slow or cut it); the host's disk is.
    System.out.println("flood of " + mib + " MiB: exit " + dd.code() + ": " + dd.output().strip());
  }

  /**
   * The guest survived its flood, later console output still reaches the log (it was rotated, not
   * stopped), and all of console.log* together stay within {@code bound} (+ SLACK).
   */
  private static void assertBounded(TestHost host, GuestName g, long bound) throws Exception {
    long afterFlood = logBytes(host, g);
    assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
    // ">>", not ">": today's log is a file, and O_TRUNC through /proc/1/fd/1 would empty it.
    String marker = "after-the-flood-" + g;
    TestHost.Run echo = host.exec(g, "sh", "-c", "echo " + marker + " >> /proc/1/fd/1");
    assertThat(echo.code()).as(echo.output()).isZero();
    // The relay may lag behind the guest's write: the marker comes after the flood, so once it
    // is in the log the flood has been through.
    boolean seen = AttackHost.awaitText(() -> logTails(host, g), marker, Duration.ofSeconds(30));
    long total = Math.max(afterFlood, logBytes(host, g));
    System.out.println("console.log* of " + g + ": " + total + " bytes in " + logFiles(host, g));
    assertThat(total)
        .as("bytes in %s after the flood (bound %d + slack %d)", logFiles(host, g), bound, SLACK)
        .isLessThanOrEqualTo(bound + SLACK);
    assertThat(seen).as("'%s' reached the console log after the flood", marker).isTrue();
    assertThat(host.guests().status(g).state()).isEqualTo(GuestStatus.State.RUNNING);
  }

  /** console.log and its rotations (console.log.1, …). */
  private static List<Path> logFiles(TestHost host, GuestName g) {
    try (Stream<Path> s = Files.list(host.dirs().runGuest(g))) {
      return s.filter(p -> p.getFileName().toString().startsWith("console.log")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long logBytes(TestHost host, GuestName g) {
    long total = 0;
    for (Path p : logFiles(host, g)) {
      try {
        total += Files.size(p);
      } catch (IOException e) {
        // rotated away meanwhile
      }
    }
    return total;
  }

  /** The last 64 KiB of every log file (an unbounded log may be hundreds of MB). */
  private static String logTails(TestHost host, GuestName g) {
    StringBuilder all = new StringBuilder();
    for (Path p : logFiles(host, g)) {
      try (FileChannel c = FileChannel.open(p)) {
        long size = c.size();
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, 64 * 1024));
        c.read(b, size - b.capacity());
        all.append(new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1))
            .append('\n');
      } catch (IOException e) {
        // rotated away meanwhile
      }
    }
    return all.toString();
  }
}
