package dev.jvs.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.runtime.MountFlags;
import dev.jvs.runtime.Namespace;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchCodecTest {

  @Test
  void fieldsArePercentEncodedOutsideTheSafeSet() {
    assertThat(LaunchCodec.encodeField("/bin/sh")).isEqualTo("/bin/sh");
    assertThat(LaunchCodec.encodeField("echo hi; exit 3")).isEqualTo("echo%20hi%3B%20exit%203");
    assertThat(LaunchCodec.encodeField("")).isEqualTo("%");
    assertThat(LaunchCodec.encodeField("100%")).isEqualTo("100%25");
    assertThat(LaunchCodec.encodeField("a\nb")).isEqualTo("a%0Ab");
    assertThat(LaunchCodec.encodeField("ü")).isEqualTo("%C3%BC");
  }

  @Test
  void programIsOneLinePerOperationEndingWithEnd() {
    LaunchProgram p =
        LaunchProgram.builder()
            .clone(Namespace.PID.flag() | Namespace.MOUNT.flag())
            .mountIfPresent("/dev/null", "/r/proc/kcore", "", MountFlags.BIND, "")
            .env(Map.of("PATH", "/bin"))
            .exec(List.of("/bin/sh", "-c", "echo hi"))
            .build();
    assertThat(LaunchCodec.encode(p))
        .isEqualTo(
            """
            clone 0x20020000
            ?mount /dev/null /r/proc/kcore % 0x1000 %
            env PATH=/bin
            arg /bin/sh
            arg -c
            arg echo%20hi
            exec /bin/sh
            end
            """);
  }

  @Test
  void operationsKnowWhichSideRunsThem() {
    LaunchProgram p = LaunchProgram.builder().statusFile("/s").detach().clone(0).setsid().build();
    assertThat(p.ops()).extracting(Op::runsInMonitor).containsExactly(true, true, true, false);
  }
}
