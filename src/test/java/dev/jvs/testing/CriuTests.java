package dev.jvs.testing;

import dev.jvs.base.JvsException;
import dev.jvs.guest.Guests;
import dev.jvs.migrate.Migration;
import dev.jvs.runtime.Criu;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
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
   * Whether a line of the guest's {@code ps -o pid,args} is one of the counter's short-lived
   * children ({@link #counterScript}'s mv and pause), whose pids change between any two looks: by
   * its arguments; caught between its fork and its exec's new command line, by the name in braces
   * busybox's ps shows then ("{mv} /bin/sh /counter.sh"); or caught exited and not yet reaped, a
   * zombie without a command line, by the name in brackets ("[mv]").
   */
  public static boolean isCountersChild(String psLine) {
    return psLine.contains("usleep")
        || psLine.contains("sleep 0.1")
        || psLine.contains("mv -f")
        || psLine.matches(".*(\\{(mv|usleep|sleep)}|\\[(mv|usleep|sleep)]).*");
  }

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
