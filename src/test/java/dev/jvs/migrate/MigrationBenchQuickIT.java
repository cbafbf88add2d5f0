package dev.jvs.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.testing.Cli;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `jvs bench migrate --quick` end to end, as the packaged CLI: two services in namespaces of their
 * own, each migration run by the source's service (the bench fails if its client fell back to a JVM
 * of its own), and a downtime line for each way of moving. Timings are never asserted; the run
 * leaves no benchmark directory or network namespace behind.
 */
@Tag("kernel")
class MigrationBenchQuickIT {
  private static final Pattern DOWNTIME = Pattern.compile("(?m)^downtime: (\\d+) ms \\((.+)\\)$");

  @Test
  void quickRunPrintsADowntimePerWayAndLeavesNothing() throws Exception {
    List<String> benchDirsBefore = listed(Path.of("/tmp"), "jvs-bench-");
    List<String> netnsBefore = listed(Path.of("/run/netns"), "jvsm");
    Path out = Files.createTempFile("jvs-bench-migrate-it", ".out");
    int code;
    try (PipeMaxSize _ = PipeMaxSize.raised()) {
      Process p =
          new ProcessBuilder(Cli.command("bench", "migrate", "--quick"))
              .redirectInput(new File("/dev/null"))
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroy();
        p.waitFor(60, TimeUnit.SECONDS);
      }
      code = p.exitValue();
    }
    String said = Files.readString(out, StandardCharsets.UTF_8);
    Files.delete(out);
    assertThat(code).as(said).isZero();
    Matcher m = DOWNTIME.matcher(said);
    List<String> ways = new java.util.ArrayList<>();
    while (m.find()) {
      assertThat(Long.parseLong(m.group(1))).as(m.group()).isPositive();
      ways.add(m.group(2));
    }
    assertThat(ways)
        .as(said)
        .containsExactly("post-copy", "post-copy, both services warmed", "stop-copy");
    assertThat(said).contains("stop-copy-restart").contains("images sent: post-copy");
    assertThat(listed(Path.of("/tmp"), "jvs-bench-")).isEqualTo(benchDirsBefore);
    assertThat(listed(Path.of("/run/netns"), "jvsm")).isEqualTo(netnsBefore);
  }

  private static List<String> listed(Path dir, String prefix) throws Exception {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(prefix))
          .sorted()
          .toList();
    }
  }
}
