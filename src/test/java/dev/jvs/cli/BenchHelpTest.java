package dev.jvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `jvs bench --help` and every benchmark's --help print clean usage: no picocli warning (a bare %
 * in a description is a format error picocli reports on System.err), no -V without a version, and a
 * one-line summary per benchmark in the group's list.
 */
class BenchHelpTest {
  private static final List<String> BENCHMARKS =
      List.of("start", "cpu", "isolation", "net", "sharing", "oci", "paper", "density");

  private record Run(int code, String out, String err, String systemErr) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream system = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    System.setErr(new PrintStream(system, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
      return new Run(code, out.toString(), err.toString(), system.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }

  @Test
  void theGroupListsEveryBenchmarkWithAOneLineSummary() {
    Run r = run("bench", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.systemErr()).isEmpty();
    assertThat(r.out()).startsWith("Usage: jvs bench [-h] [COMMAND]");
    List<String> lines = r.out().lines().toList();
    for (String b : BENCHMARKS) {
      String line =
          lines.stream()
              .filter(l -> l.startsWith("  " + b + " "))
              .findFirst()
              .orElseThrow(() -> new AssertionError(b + " not listed:\n" + r.out()));
      assertThat(line).as(b).endsWith(".");
    }
  }

  @Test
  void everyBenchmarkPrintsItsUsageCleanly() {
    for (String b : BENCHMARKS) {
      for (List<String> args :
          List.of(List.of("bench", b, "--help"), List.of("bench", "help", b))) {
        Run r = run(args.toArray(String[]::new));
        assertThat(r.code()).as(String.join(" ", args)).isZero();
        assertThat(r.out())
            .as(String.join(" ", args))
            .startsWith("Usage: jvs bench " + b + " [-h]");
        assertThat(r.err() + r.systemErr()).as(String.join(" ", args)).isEmpty();
        assertThat(r.out()).as(b).doesNotContain("-V").doesNotContain("%n");
      }
    }
  }
}
