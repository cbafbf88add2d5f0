package dev.jvs.testing;

import dev.jvs.base.JvsException;
import dev.jvs.guest.Guests;
import dev.jvs.migrate.Migration;
import dev.jvs.runtime.Criu;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** What the checkpoint and migration tests share. */
public final class CriuTests {
  private CriuTests() {}

  /**
   * A post-copy migration of {@code guests}' guests to an address nothing listens at: for what a
   * migration refuses before it contacts anyone.
   */
  public static Migration migrationToNowhere(Guests guests) {
    return new Migration(
        guests,
        URI.create("https://127.0.0.1:9"),
        "token",
        "00",
        Duration.ofSeconds(5),
        Migration.Mode.POST_COPY,
        line -> {});
  }

  /**
   * A shell script counting in a variable; /tmp/counter only shows the count, every {@code pause}
   * (a busybox {@code usleep} or a coreutils {@code sleep} command). Each count goes to a new file
   * renamed over the old one, so no process holds /tmp/counter open: a test may rewrite it while
   * the guest is checkpointed without criu refusing the restore (criu checks the size of every file
   * a process had open, and a dump between the shell's truncate and its write saw 0 bytes).
   */
  public static String counterScript(String pause) {
    return "#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo $i > /tmp/counter.next;"
        + " mv -f /tmp/counter.next /tmp/counter; "
        + pause
        + "; done\n";
  }

  /**
   * A guest's processes from its {@code ps -o pid,ppid,args} as "PID ARGS" lines, without the ps
   * and without the children of a {@link #counterScript} (its mv and pause): their pids change
   * between any two looks, and ps catches them in every state, running, between fork and exec
   * (showing the counter's own command line) or exited and not yet reaped ("[mv]"), so they are
   * known by their parent rather than by what ps shows of them.
   */
  public static List<String> withoutCountersChildren(String ps) {
    record Row(String pid, String ppid, String args) {}
    List<Row> rows = new ArrayList<>();
    for (String line : ps.lines().toList()) {
      Matcher m = PS_ROW.matcher(line);
      if (m.matches() && !m.group(3).startsWith("ps ")) {
        rows.add(new Row(m.group(1), m.group(2), m.group(3)));
      }
    }
    Set<String> runsCounter = new HashSet<>();
    rows.stream()
        .filter(r -> r.args().contains("counter.sh"))
        .forEach(r -> runsCounter.add(r.pid()));
    Set<String> counters = new HashSet<>();
    rows.stream()
        .filter(r -> runsCounter.contains(r.pid()) && !runsCounter.contains(r.ppid()))
        .forEach(r -> counters.add(r.pid()));
    return rows.stream()
        .filter(r -> !counters.contains(r.ppid()))
        .map(r -> r.pid() + " " + r.args())
        .toList();
  }

  private static final Pattern PS_ROW = Pattern.compile("\\s*(\\d+)\\s+(\\d+)\\s+(.*)");

  /** Aborts the test class, naming why, where jvs finds no criu that works on this host. */
  public static void abortWithoutCriu() {
    try {
      Criu.find("test");
    } catch (JvsException e) {
      Assumptions.abort(e.getMessage());
    }
  }

  /**
   * Reads lines after {@code last} up to {@code until} from a guest counting over a connection:
   * each must be the next number. Returns the last read.
   */
  public static long readConsecutive(BufferedReader in, long last, long until) throws IOException {
    while (last < until) {
      String line = in.readLine();
      Assertions.assertThat(line).as("the connection ended after %d", last).isNotNull();
      Assertions.assertThat(Long.parseLong(line.strip()))
          .as("the number after %d", last)
          .isEqualTo(last + 1);
      last++;
    }
    return last;
  }
}
