package dev.jvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.image.BusyboxTemplate;
import dev.jvs.testing.Cli;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets one clear line on stderr naming the guest, file or field, a non-zero exit, and
 * changes nothing (issue 2, acceptance 8).
 */
@Tag("kernel")
class BadInputIT {
  private static final String MARKER = "outside the template store";
  private static final String RULE =
      "(lower-case letters, digits, '.', '_' and '-', starting with"
          + " a letter or digit, at most 63 characters)";

  /**
   * Runs the CLI, expects failure with exactly one stderr line, and that the roots are unchanged.
   */
  private static String fails(TestHost host, String... args) throws IOException {
    String before = snapshot(host);
    Cli.Result r = new Cli(host).run(args);
    assertFailedInOneLine(r, args);
    assertThat(snapshot(host)).isEqualTo(before);
    return r.err().strip();
  }

  /** A non-zero exit, one line on stderr and nothing on stdout (no usage text). */
  private static void assertFailedInOneLine(Cli.Result r, String... args) {
    assertThat(r.code()).as("exit code of jvs %s", String.join(" ", args)).isNotZero();
    assertThat(r.err().lines()).as("stderr of jvs %s", String.join(" ", args)).hasSize(1);
    assertThat(r.out()).as("stdout of jvs %s", String.join(" ", args)).isEmpty();
  }

  /**
   * Every file under the roots with a content hash, every link with its target (lock files and
   * their directories excluded).
   */
  private static String snapshot(TestHost host) throws IOException {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> s = Files.walk(host.base())) {
      for (Path p : s.sorted().toList()) {
        if (p.toString().endsWith(".lock")
            || p.toString().contains("/locks")
            || p.equals(host.dirs().run())) {
          continue;
        }
        out.append(p);
        if (Files.isSymbolicLink(p)) {
          out.append(" -> ").append(Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p)) {
          out.append(' ').append(Files.readString(p, StandardCharsets.ISO_8859_1).hashCode());
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  @Test
  void invalidNamesAreRejected() throws IOException {
    try (TestHost host = new TestHost()) {
      assertThat(fails(host, "build", "../x"))
          .isEqualTo(
              "jvs: invalid guest name '../x': use letters, digits, '.', '-' and '_', starting with a letter or digit");
      assertThat(fails(host, "build", "a/b")).startsWith("jvs: invalid guest name 'a/b'");
      assertThat(fails(host, "build", ""))
          .isEqualTo("jvs: invalid guest name '': a name is required");
      assertThat(fails(host, "build", "x".repeat(200))).contains("longer than 64 characters");
      assertThat(fails(host, "start", "..")).startsWith("jvs: invalid guest name '..'");
      assertThat(fails(host, "build", "a\nb")).startsWith("jvs: invalid guest name 'a\\nb'");
    }
  }

  @Test
  void unknownGuestsAndWrongStatesAreReported() throws IOException {
    try (TestHost host = new TestHost()) {
      assertThat(fails(host, "start", "nosuch")).isEqualTo("jvs: nosuch: no such guest");
      assertThat(fails(host, "exec", "nosuch", "--", "true"))
          .isEqualTo("jvs: nosuch: no such guest");
      host.guests().build(GuestName.of("web1"), "busybox");
      assertThat(fails(host, "stop", "web1")).isEqualTo("jvs: web1: not running");
      assertThat(fails(host, "build", "web1")).isEqualTo("jvs: web1: already exists");
      host.guests()
          .start(GuestName.of("web1"), java.util.List.of(), dev.jvs.guest.Guests.Attach.DETACHED);
      String state =
          Files.readString(host.dirs().runGuest(GuestName.of("web1")).resolve("state.json"));
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
      assertThat(fails(host, "set", "web1", "foo.bar=1"))
          .isEqualTo("jvs: web1: foo.bar: unknown key");
      assertThat(fails(host, "set", "web1", "memory.rss=12Q"))
          .isEqualTo(
              "jvs: web1: memory.rss: malformed size '12Q' (expected a number with an optional K, M, G or T suffix)");
      assertThat(fails(host, "set", "web1", "pids.max=100", "cpu.share=0"))
          .isEqualTo("jvs: web1: cpu.share: 0 is out of range 2..262144");
      assertThat(fails(host, "set", "web1", "cpu.cpus=0-99"))
          .contains("web1: cpu.cpus: CPU 99 does not exist");
      assertThat(fails(host, "set", "web1", "disk.space=1M"))
          .contains("web1: disk.space: must be at least 16M");
      assertThat(fails(host, "set", "web1", "noequals"))
          .isEqualTo("jvs: web1: expected key=value, found 'noequals'");
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
      assertThat(fails(host, "start", "web1"))
          .isEqualTo(
              "jvs: "
                  + conf
                  + ":"
                  + (lines + 1)
                  + ": expected 'key = value', found 'memory.rss 64M'");
      Files.writeString(conf, Files.readString(conf).replace("memory.rss 64M", "memory.rss = 12Q"));
      assertThat(fails(host, "start", "web1"))
          .isEqualTo(
              "jvs: "
                  + conf
                  + ":"
                  + (lines + 1)
                  + ": memory.rss: malformed size '12Q' (expected a number with an optional K, M, G or T suffix)");
    }
  }

  /**
   * Where the traversal `templates/../../decoy` lands: a working root filesystem with a marker, so
   * a guest started on it would print the marker.
   */
  private static Path decoy(TestHost host) throws IOException {
    Path decoy = host.dirs().templates().resolve("../../decoy").normalize();
    BusyboxTemplate.build(decoy.resolve("rootfs"));
    Files.writeString(decoy.resolve("rootfs/MARKER"), MARKER + "\n");
    return decoy;
  }

  /** The attack, by its effect: guest.conf edited by hand to name a directory outside the store. */
  @Test
  void aHandEditedTemplateOutsideTheStoreNeverBecomesTheLowerLayer() throws IOException {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("t1");
      host.guests().build(g, "busybox");
      decoy(host);
      Path conf = host.dirs().guest(g).resolve("guest.conf");
      List<String> lines = new ArrayList<>(Files.readAllLines(conf));
      int at = lines.indexOf("template = busybox");
      lines.set(at, "template = ../../decoy");
      Files.write(conf, lines);
      Cli.Result seen = new Cli(host).run("start", "t1", "--", "/bin/cat", "/MARKER");
      assertThat(seen.out()).as("what the guest saw").doesNotContain(MARKER);
      String error =
          "jvs: "
              + conf
              + ":"
              + (at + 1)
              + ": template: invalid template name"
              + " '../../decoy' "
              + RULE;
      assertThat(fails(host, "start", "t1", "--", "/bin/cat", "/MARKER")).isEqualTo(error);
      assertThat(fails(host, "start", "t1")).isEqualTo(error);
      assertThat(fails(host, "clone", "t1", "t2")).isEqualTo(error);
      assertThat(fails(host, "status", "t1")).isEqualTo(error);
    }
  }

  /** The attack through `jvs set`: refused, so the guest still starts on its own template. */
  @Test
  void setRefusesATemplateOutsideTheStore() throws IOException {
    try (TestHost host = new TestHost()) {
      host.guests().build(GuestName.of("t1"), "busybox");
      Path decoy = decoy(host);
      String before = snapshot(host);
      Cli.Result set = new Cli(host).run("set", "t1", "template=../../decoy");
      String after = snapshot(host);
      Cli.Result seen =
          new Cli(host)
              .run(
                  "start",
                  "t1",
                  "--",
                  "/bin/sh",
                  "-c",
                  "cat /MARKER 2>/dev/null || echo no marker");
      assertThat(seen.out()).as("what the guest saw").isEqualTo("no marker\n");
      assertFailedInOneLine(set, "set", "t1", "template=../../decoy");
      assertThat(set.err().strip())
          .isEqualTo("jvs: t1: template: invalid template name '../../decoy' " + RULE);
      assertThat(after).isEqualTo(before);
      assertThat(fails(host, "set", "t1", "template=/"))
          .isEqualTo("jvs: t1: template: invalid template name '/' " + RULE);
      assertThat(fails(host, "set", "t1", "template="))
          .isEqualTo("jvs: t1: template: invalid template name '': a name is required");
      assertThat(fails(host, "set", "t1", "template=" + decoy))
          .isEqualTo("jvs: t1: template: invalid template name '" + decoy + "' " + RULE);
    }
  }

  /** Every other command that takes a template name applies the same rule. */
  @Test
  void everyCommandTakingATemplateNameRefusesOneOutsideTheStore() throws IOException {
    try (TestHost host = new TestHost()) {
      host.guests().build(GuestName.of("t1"), "busybox"); // templates/ exists: `..` resolves
      Path decoy = decoy(host);
      String error = "jvs: invalid template name '../../decoy' " + RULE;
      assertThat(fails(host, "build", "t2", "--template", "../../decoy")).isEqualTo(error);
      assertThat(fails(host, "build", "t2", "--from", decoy.toString()))
          .isEqualTo("jvs: invalid template name '" + decoy + "' " + RULE);
      assertThat(fails(host, "build", "t2", "--template", ""))
          .isEqualTo("jvs: invalid template name '': a name is required");
      assertThat(fails(host, "template", "rm", "../../decoy")).isEqualTo(error);
      assertThat(fails(host, "template", "build", "../../decoy", "--from", "busybox"))
          .isEqualTo(error);
      assertThat(fails(host, "template", "import", "../../decoy", "--from", "oci:" + decoy))
          .isEqualTo(error);
    }
  }

  /** SIGKILL is what jvs escalates to; SIGSTOP and job-control signals never end an init. */
  @Test
  void stopSignalsThatCannotStopAGuestAreRefused() throws IOException {
    try (TestHost host = new TestHost()) {
      GuestName g = GuestName.of("web1");
      host.guests().build(g, "busybox");
      String kill =
          "stop.signal: SIGKILL is what jvs stop sends after stop.timeout, not a stop"
              + " signal (use one the guest's init shuts down on; default SIGTERM)";
      String stop =
          "stop.signal: SIGSTOP cannot be caught and only suspends the guest's init, so"
              + " it cannot stop the guest (default SIGTERM)";
      assertThat(fails(host, "set", "web1", "stop.signal=SIGKILL")).isEqualTo("jvs: web1: " + kill);
      assertThat(fails(host, "set", "web1", "stop.signal=9")).isEqualTo("jvs: web1: " + kill);
      assertThat(fails(host, "set", "web1", "stop.signal=SIGSTOP")).isEqualTo("jvs: web1: " + stop);
      assertThat(fails(host, "set", "web1", "stop.signal=19")).isEqualTo("jvs: web1: " + stop);
      assertThat(fails(host, "set", "web1", "stop.signal=SIGTSTP"))
          .isEqualTo(
              "jvs: web1:"
                  + " stop.signal: SIGTSTP suspends or resumes processes rather than ending them, so it"
                  + " cannot stop the guest (default SIGTERM)");
      assertThat(fails(host, "set", "web1", "stop.signal=CONT"))
          .startsWith("jvs: web1: stop.signal: SIGCONT suspends or resumes processes");
      Path conf = host.dirs().guest(g).resolve("guest.conf");
      List<String> lines = new ArrayList<>(Files.readAllLines(conf));
      int at = lines.indexOf("stop.signal = SIGTERM");
      lines.set(at, "stop.signal = 9");
      Files.write(conf, lines);
      assertThat(fails(host, "start", "web1"))
          .isEqualTo("jvs: " + conf + ":" + (at + 1) + ": " + kill);
    }
  }

  /** A usage mistake is one line naming the command, like every other error; usage on --help. */
  @Test
  void parameterErrorsAreOneLineWithoutUsage() throws IOException {
    try (TestHost host = new TestHost()) {
      host.guests().build(GuestName.of("web1"), "busybox");
      assertThat(fails(host, "build", "-rf"))
          .isEqualTo("jvs: build: unknown option '-rf' (see jvs build --help)");
      assertThat(fails(host, "build", "web2", "-rf"))
          .isEqualTo("jvs: build: unknown option '-rf' (see jvs build --help)");
      assertThat(fails(host, "build"))
          .isEqualTo("jvs: build: missing required parameter: '<name>' (see jvs build --help)");
      assertThat(fails(host, "build", "a", "b"))
          .isEqualTo("jvs: build: unexpected argument 'b' (see jvs build --help)");
      assertThat(fails(host, "frobnicate"))
          .isEqualTo("jvs: unknown command 'frobnicate' (see jvs --help)");
      assertThat(fails(host, "--bogus"))
          .isEqualTo("jvs: unknown option '--bogus' (see jvs --help)");
      assertThat(fails(host, "delete", "-x", "web1"))
          .isEqualTo("jvs: delete: unknown option '-x' (see jvs delete --help)");
      assertThat(fails(host, "stop", "web1", "-t"))
          .isEqualTo(
              "jvs: stop: missing required"
                  + " parameter for option '--timeout' (<timeout>) (see jvs stop --help)");
      assertThat(fails(host, "top", "-n", "x"))
          .isEqualTo(
              "jvs: top: invalid value for option"
                  + " '--iterations': 'x' is not an int (see jvs top --help)");
      assertThat(fails(host, "template", "build", "x"))
          .isEqualTo(
              "jvs: template build: missing"
                  + " required option: '--from=<from>' (see jvs template build --help)");
      assertThat(fails(host, "template", "frob"))
          .isEqualTo("jvs: template: unknown command 'frob' (see jvs template --help)");
      assertThat(fails(host, "bench", "start", "--runs", "x"))
          .isEqualTo(
              "jvs: bench start:"
                  + " invalid value for option '--runs': 'x' is not an int (see jvs bench start --help)");
      Cli.Result help = new Cli(host).run("build", "--help");
      assertThat(help.code()).isZero();
      assertThat(help.out()).startsWith("Usage: jvs build");
      assertThat(help.err()).isEmpty();
    }
  }
}
