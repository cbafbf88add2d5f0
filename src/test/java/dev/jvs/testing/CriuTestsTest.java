package dev.jvs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CriuTestsTest {
  private static final String HEADER = "PID  PPID COMMAND\n";

  @Test
  void theCountersChildrenAreLeftOutInEveryStatePsCatchesThemIn() {
    String ps =
        HEADER
            + "    1     0 init\n"
            + "    7     1 {counter.sh} /bin/sh /counter.sh\n"
            + "    8     7 [mv]\n"
            + "    9     7 {counter.sh} /bin/sh /counter.sh\n"
            + "   10     7 {mv} /bin/sh /counter.sh\n"
            + "   11     1 nc -ll -p 33540 -e /count.sh\n"
            + "   12     7 usleep 100000\n"
            + "   13     0 ps -o pid,ppid,args\n";

    assertThat(CriuTests.withoutCountersChildren(ps))
        .containsExactly(
            "1 init", "7 {counter.sh} /bin/sh /counter.sh", "11 nc -ll -p 33540 -e /count.sh");
  }

  @Test
  void anotherProcessesChildrenStay() {
    String ps =
        HEADER + "    1     0 /sbin/init\n" + "  40     1 cron -f\n" + "   41    40 sh -c job\n";

    assertThat(CriuTests.withoutCountersChildren(ps))
        .containsExactly("1 /sbin/init", "40 cron -f", "41 sh -c job");
  }
}
