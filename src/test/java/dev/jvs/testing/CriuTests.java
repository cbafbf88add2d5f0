package dev.jvs.testing;

import dev.jvs.base.JvsException;
import dev.jvs.runtime.Criu;
import java.io.BufferedReader;
import java.io.IOException;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** What the checkpoint and migration tests share. */
public final class CriuTests {
  private CriuTests() {}

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
