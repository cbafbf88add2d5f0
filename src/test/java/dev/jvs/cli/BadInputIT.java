package dev.jvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.testing.Cli;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets one clear line on stderr naming the guest, file or field, a non-zero exit, and
 * changes nothing (issue 2, acceptance 8).
 */
@Tag("kernel")
class BadInputIT {

  /** Runs the CLI, expects failure with exactly one stderr line, and that the roots are unchanged. */
  private static String fails(TestHost host, String... args) throws IOException {
    String before = snapshot(host);
    Cli.Result r = new Cli(host).run(args);
    assertThat(r.code()).as("exit code of jvs %s", String.join(" ", args)).isNotZero();
    assertThat(r.err().lines()).as("stderr of jvs %s", String.join(" ", args)).hasSize(1);
    assertThat(snapshot(host)).isEqualTo(before);
    return r.err().strip();
  }

  /** Every file under the roots with a content hash (lock files and their directories excluded). */
  private static String snapshot(TestHost host) throws IOException {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> s = Files.walk(host.base())) {
      for (Path p : s.sorted().toList()) {
        if (p.toString().endsWith(".lock") || p.toString().contains("/locks")
            || p.equals(host.dirs().run())) {
          continue;
        }
        out.append(p).append(Files.isRegularFile(p) ? " " + Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1).hashCode() : "").append('\n');
      }
    }
    return out.toString();
  }

  @Test
  void invalidNamesAreRejected() throws IOException {
    try (TestHost host = new TestHost()) {
      assertThat(fails(host, "build", "../x")).isEqualTo(
          "jvs: invalid guest name '../x': use letters, digits, '.', '-' and '_', starting with a letter or digit");
      assertThat(fails(host, "build", "a/b")).startsWith("jvs: invalid guest name 'a/b'");
      assertThat(fails(host, "build", "")).isEqualTo("jvs: invalid guest name '': a name is required");
      assertThat(fails(host, "build", "x".repeat(200))).contains("longer than 64 characters");
      assertThat(fails(host, "start", "..")).startsWith("jvs: invalid guest name '..'");
    }
  }

  @Test
  void unknownGuestsAndWrongStatesAreReported() throws IOException {
    try (TestHost host = new TestHost()) {
      assertThat(fails(host, "start", "nosuch")).isEqualTo("jvs: nosuch: no such guest");
      assertThat(fails(host, "exec", "nosuch", "--", "true")).isEqualTo("jvs: nosuch: no such guest");
      host.guests().build(GuestName.of("web1"), "busybox");
      assertThat(fails(host, "stop", "web1")).isEqualTo("jvs: web1: not running");
      assertThat(fails(host, "build", "web1")).isEqualTo("jvs: web1: already exists");
      host.guests().start(GuestName.of("web1"), java.util.List.of(), dev.jvs.guest.Guests.Attach.DETACHED);
      String state = Files.readString(host.dirs().runGuest(GuestName.of("web1")).resolve("state.json"));
      Cli.Result again = new Cli(host).run("start", "web1");
      assertThat(again.code()).isNotZero();
      assertThat(again.err().strip()).isEqualTo("jvs: web1: already running");
      assertThat(Files.readString(host.dirs().runGuest(GuestName.of("web1")).resolve("state.json")))
          .isEqualTo(state);
    }
  }

  @Test
  void badResourceKeysAndValuesChangeNothing() throws IOException {
    try (TestHost host = new TestHost()) {
      host.guests().build(GuestName.of("web1"), "busybox");
      assertThat(fails(host, "set", "web1", "foo.bar=1")).isEqualTo("jvs: web1: foo.bar: unknown key");
      assertThat(fails(host, "set", "web1", "memory.rss=12Q")).isEqualTo(
          "jvs: web1: memory.rss: malformed size '12Q' (expected a number with an optional K, M, G or T suffix)");
      assertThat(fails(host, "set", "web1", "pids.max=100", "cpu.share=0"))
          .isEqualTo("jvs: web1: cpu.share: 0 is out of range 2..262144");
      assertThat(fails(host, "set", "web1", "cpu.cpus=0-99")).contains("web1: cpu.cpus: CPU 99 does not exist");
      assertThat(fails(host, "set", "web1", "disk.space=1M")).contains("web1: disk.space: must be at least 16M");
      assertThat(fails(host, "set", "web1", "noequals")).isEqualTo("jvs: web1: expected key=value, found 'noequals'");
    }
  }

  @Test
  void configSyntaxErrorsNameFileLineAndField() throws IOException {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("web1");
      host.guests().build(g, "busybox");
      Path conf = host.dirs().guest(g).resolve("guest.conf");
      long lines = Files.readAllLines(conf).size();
      Files.writeString(conf, "memory.rss 64M\n", java.nio.file.StandardOpenOption.APPEND);
      assertThat(fails(host, "start", "web1")).isEqualTo(
          "jvs: " + conf + ":" + (lines + 1) + ": expected 'key = value', found 'memory.rss 64M'");
      Files.writeString(conf, Files.readString(conf).replace("memory.rss 64M", "memory.rss = 12Q"));
      assertThat(fails(host, "start", "web1")).isEqualTo(
          "jvs: " + conf + ":" + (lines + 1)
              + ": memory.rss: malformed size '12Q' (expected a number with an optional K, M, G or T suffix)");
    }
  }
}
