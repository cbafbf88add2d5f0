package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What an exec runs, from the container's process and the exec's flags; without a kernel. */
class ExecProcessTest {
  private static final List<String> CAPS = List.of("CAP_KILL", "CAP_CHOWN");

  private static final OciConfig.Process CONTAINER =
      new OciConfig.Process(
          true,
          null,
          new OciConfig.User(1000L, 1000L, 027, List.of(10L), null),
          List.of("sleep", "1000"),
          List.of("PATH=/bin", "FOO=container"),
          "/srv",
          new OciConfig.Capabilities(CAPS, CAPS, List.of("CAP_KILL"), CAPS, null),
          List.of(new OciConfig.Rlimit("RLIMIT_NOFILE", 777L, 777L)),
          true,
          null,
          500,
          null);

  private static ExecProcess.Inherited flags(String user, List<String> caps, boolean nnp) {
    return new ExecProcess.Inherited(
        List.of("sh"), null, List.of("BAR=flag"), user, List.of(), caps, nnp, false);
  }

  @Test
  void withoutFlagsAnExecIsTheContainersProcessWithItsOwnArgs() {
    OciConfig.Process p = flags(null, List.of(), false).resolve(CONTAINER);
    assertThat(p)
        .isEqualTo(
            new OciConfig.Process(
                false,
                null,
                CONTAINER.user(),
                List.of("sh"),
                List.of("PATH=/bin", "FOO=container", "BAR=flag"),
                "/srv",
                CONTAINER.capabilities(),
                CONTAINER.rlimits(),
                true,
                null,
                500,
                null));
  }

  @Test
  void flagsChangeOnlyWhatTheyName() {
    OciConfig.Process p =
        new ExecProcess.Inherited(
                List.of("sh"),
                "/",
                List.of(),
                "0:5",
                List.of(20L),
                List.of("CAP_SYS_ADMIN", "KILL"),
                false,
                true)
            .resolve(CONTAINER);
    assertThat(p.user()).isEqualTo(new OciConfig.User(0L, 5L, 027, List.of(10L, 20L), null));
    assertThat(p.cwd()).isEqualTo("/");
    assertThat(p.terminal()).isTrue();
    assertThat(p.capabilities().bounding())
        .containsExactly("CAP_KILL", "CAP_CHOWN", "CAP_SYS_ADMIN", "KILL");
    assertThat(p.capabilities().inheritable()).containsExactly("CAP_KILL");
    assertThat(p.capabilities().ambient()).containsExactly("KILL"); // only an inheritable one
    assertThat(flags("7", List.of(), false).resolve(CONTAINER).user().gid()).isEqualTo(1000L);
    assertThatThrownBy(() -> flags("root", List.of(), false).resolve(CONTAINER))
        .hasMessageContaining("invalid --user root");
  }

  @Test
  void processJsonIsTakenAsIsButNeverWithMoreCapabilitiesThanTheContainer() {
    OciConfig.Process given =
        new OciConfig.Process(
            null, null, null, List.of("id"), null, "/", null, null, null, null, null, null);
    assertThat(new ExecProcess.Given(given).resolve(CONTAINER))
        .isEqualTo(
            new OciConfig.Process(
                null,
                null,
                null,
                List.of("id"),
                null,
                "/",
                CONTAINER.capabilities(),
                null,
                null,
                null,
                null,
                null));
    OciConfig.Process own =
        new OciConfig.Process(
            null,
            null,
            null,
            List.of("id"),
            null,
            "/",
            new OciConfig.Capabilities(null, null, null, null, null),
            null,
            null,
            null,
            null,
            null);
    assertThat(new ExecProcess.Given(own).resolve(CONTAINER)).isSameAs(own);
  }

  @Test
  void ambientCapabilitiesOutsidePermittedAndInheritableAreTheOnesDropped() {
    OciConfig.Process p =
        new OciConfig.Process(
            null,
            null,
            null,
            List.of("sh"),
            null,
            "/",
            new OciConfig.Capabilities(
                CAPS,
                CAPS,
                List.of("CAP_KILL"),
                CAPS,
                List.of("CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE")),
            null,
            null,
            null,
            null,
            null);
    assertThat(ProcessPlan.unraisableAmbient(p))
        .containsExactly("CAP_CHOWN", "CAP_NET_BIND_SERVICE");
    assertThat(ProcessPlan.unraisableAmbient(CONTAINER)).isEmpty();
    assertThat(ProcessPlan.spec(p, null).caps().ambient()).isEqualTo(0x20); // CAP_KILL alone
  }
}
