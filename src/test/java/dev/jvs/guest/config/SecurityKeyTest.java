package dev.jvs.guest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** security.privileged as guest.conf and `jvs set` see it. */
class SecurityKeyTest {
  private final ConfigFile file = new ConfigFile(new ResourceValidator(4));

  @Test
  void aConfigWithoutTheKeyIsPrivileged() {
    assertThat(file.parse("g.conf", List.of("template = busybox"), "web1").privileged()).isTrue();
  }

  @Test
  void parsesBothValuesAndRejectsOthers() {
    assertThat(file.parse("g.conf", List.of("security.privileged = false"), "w").privileged())
        .isFalse();
    assertThat(file.parse("g.conf", List.of("security.privileged = true"), "w").privileged())
        .isTrue();
    assertThatThrownBy(() -> file.parse("g.conf", List.of("security.privileged = yes"), "w"))
        .hasMessage("g.conf:1: security.privileged: expected true or false, found 'yes'");
    assertThatThrownBy(() -> file.validate("security.privileged", "1"))
        .hasMessage("expected true or false, found '1'");
  }

  @Test
  void aNewConfigSaysWhichModeItIsIn(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("guest.conf");
    file.create(conf, GuestConfig.defaults("web1", "busybox").withPrivileged(false));
    assertThat(Files.readAllLines(conf)).contains("security.privileged = false");
    assertThat(file.read(conf, "web1").privileged()).isFalse();
  }
}
