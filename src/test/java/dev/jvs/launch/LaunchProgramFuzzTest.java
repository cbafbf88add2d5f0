package dev.jvs.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;

/**
 * Issue 15, acceptance 7: the launch-program codec from both ends. Java's encoding of any bytes is
 * one safe token that decodes back to them (docs/launch-program.md, "Encoding"); and jvs-init,
 * given any program text - unknown operations, wrong field counts, broken %-escapes, numbers out of
 * range, lines past its limit, no `end` - answers with the protocol's lines only and exits 1 (never
 * a crash). The programs hold no operation that acts on the host before `go` (which is never sent),
 * so a program that parses only forks a child that is killed again.
 */
class LaunchProgramFuzzTest {

  @Property
  void anyFieldEncodesToOneSafeTokenThatDecodesBack(@ForAll byte[] field) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    LaunchCodec.writeField(field, out);
    String token = out.toString(StandardCharsets.US_ASCII);
    assertThat(token).matches("%|([A-Za-z0-9._/:=,+@-]|%[0-9A-F]{2})+");
    assertThat(decode(token)).isEqualTo(field);
  }

  @Property
  @Tag("kernel")
  void jvsInitAnswersAnyProgramWithProtocolLinesAndExitsOne(@ForAll("programs") String program)
      throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvs-fuzz-launch-");
    Path socket = dir.resolve("ctl.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Process init =
          new ProcessBuilder(TestHost.initBinary().toString(), socket.toString())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String answer;
      try (SocketChannel c = server.accept()) {
        // Written by another thread: jvs-init may stop reading (E2BIG) and answer first.
        Thread writer =
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        c.write(ByteBuffer.wrap(program.getBytes(StandardCharsets.UTF_8)));
                      } catch (IOException gone) {
                        // jvs-init stopped reading: its answer says why
                      }
                      try {
                        c.shutdownOutput(); // no `go`: EOF aborts a program that parsed
                      } catch (IOException gone) {
                        // closed already
                      }
                    });
        answer = new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
        writer.join();
      }
      if (!init.waitFor(60, TimeUnit.SECONDS)) {
        init.destroyForcibly().waitFor();
      }
      String shown = program.length() > 300 ? program.substring(0, 300) + "..." : program;
      assertThat(init.exitValue()).as("exit of jvs-init for %s", shown).isEqualTo(1);
      assertThat(answer.lines().toList())
          .as("answer of jvs-init for %s", shown)
          .allMatch(l -> l.matches("pid \\d+|error \\d+ \\d+"));
    } finally {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    }
  }

  @Provide
  Arbitrary<String> programs() {
    Arbitrary<String> field =
        Arbitraries.oneOf(
            Arbitraries.of(
                "%",
                "%%",
                "%G0",
                "%0",
                "%00",
                "%FF",
                "%zz",
                "-1",
                "0",
                "0x",
                "0x20000",
                "0xffffffffffffffffff",
                "99999999999999999999",
                "-99999999999999999999",
                "/bin/true",
                "true",
                "PATH=/bin",
                "=",
                "\u00fc",
                "\t",
                "a%20b"),
            Arbitraries.strings().ofMaxLength(10),
            Arbitraries.strings().withChars('x').ofLength(70000));
    // Operations that do nothing on the host before `go`; and names jvs-init does not know.
    Arbitrary<String> name =
        Arbitraries.of(
            "clone",
            "arg",
            "env",
            "exec",
            "umask",
            "setsid",
            "rlimit",
            "pdeathsig",
            "no-new-privs",
            "chdir",
            "sethostname",
            "cap-bounding",
            "?arg",
            "?clone",
            "nope",
            "",
            "?",
            "end ",
            "CLONE");
    Arbitrary<String> op =
        Combinators.combine(name, field.list().ofMaxSize(4))
            .as((n, fields) -> fields.isEmpty() ? n : n + " " + String.join(" ", fields));
    Arbitrary<String> line =
        Arbitraries.frequencyOf(
            Tuple.of(10, op),
            Tuple.of(1, Arbitraries.strings().ofMaxLength(40)),
            Tuple.of(1, Arbitraries.just("arg " + "y".repeat(1 << 21)))); // past its line limit
    Arbitrary<List<String>> valid =
        Arbitraries.just(List.of("clone 0", "arg /bin/true", "exec /bin/true"));
    Arbitrary<List<String>> body =
        Arbitraries.frequencyOf(
            Tuple.of(1, valid), // parses: forks, then EOF instead of `go` aborts it
            Tuple.of(6, line.list().ofMaxSize(8)),
            Tuple.of(
                3,
                Combinators.combine(valid, line, Arbitraries.integers().between(0, 3))
                    .as(
                        (v, l, at) -> {
                          List<String> m = new java.util.ArrayList<>(v);
                          m.add(Math.min(at, m.size()), l);
                          return m;
                        })));
    return Combinators.combine(body, Arbitraries.of("end\n", "", "end", "\nend\n"))
        .as((lines, end) -> lines.isEmpty() ? end : String.join("\n", lines) + "\n" + end);
  }

  /** The reference decoder, from docs/launch-program.md. */
  private static byte[] decode(String token) {
    if (token.equals("%")) {
      return new byte[0];
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '%') {
        out.write(Integer.parseInt(token.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }
}
