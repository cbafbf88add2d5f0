package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The service's lines for requests it ran, written and read back; fallbacks are not among them. */
class RequestLogTest {
  @Test
  void readsBackTheRequestsTheServiceRanToTheEnd() {
    String text =
        String.join(
            "\n",
            "22:27:01.373 " + RequestLog.ran("#1 jvs build ra", 0, 40_500_000),
            "22:27:01.380 #2 jvs start ra -> its own JVM: this service serves JVS_ROOT=/x",
            "22:27:01.393 " + RequestLog.ran("#3 jvs-oci state c1", 1, 1_000_000),
            "22:27:01.400 " + RequestLog.ran("#4 jvs ", 2, 900_000),
            "22:27:01.410 #5 jvs exec ra -- true: client lost: Broken pipe",
            "accept: closed");
    List<RequestLog.Ran> ran = RequestLog.ran(text);
    assertThat(ran)
        .containsExactly(
            new RequestLog.Ran("jvs", "build ra", 0),
            new RequestLog.Ran("jvs-oci", "state c1", 1),
            new RequestLog.Ran("jvs", "", 2));
    assertThat(ran.getFirst().verb()).isEqualTo("build");
    assertThat(ran.getLast().verb()).isEmpty();
  }
}
