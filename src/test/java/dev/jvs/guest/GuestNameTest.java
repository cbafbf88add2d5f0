package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GuestNameTest {
  @ParameterizedTest
  @ValueSource(strings = {"web1", "a", "db.primary", "x_y-z", "9lives"})
  void acceptsPlainNames(String name) {
    assertThat(GuestName.of(name).value()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "a/b", "..", ".hidden", "-rf", "a b", "ü", "x\n"})
  void rejectsPathsAndOddCharacters(String name) {
    assertThatThrownBy(() -> GuestName.of(name))
        .isInstanceOf(JvsException.class)
        .hasMessageStartingWith("invalid guest name '");
  }

  @Test
  void rejectsEmptyAndOverlongNames() {
    assertThatThrownBy(() -> GuestName.of(""))
        .hasMessage("invalid guest name '': a name is required");
    assertThatThrownBy(() -> GuestName.of("x".repeat(200))).hasMessageContaining("longer than 64");
    assertThat(GuestName.of("x".repeat(64)).value()).hasSize(64);
  }

  @Test
  void cgroupParentIsDerivedFromTheRoot() {
    assertThat(new JvsDirs(JvsDirs.DEFAULT_ROOT, JvsDirs.DEFAULT_RUN).cgroupParent())
        .isEqualTo("jvs");
    String a = new JvsDirs(java.nio.file.Path.of("/tmp/a"), JvsDirs.DEFAULT_RUN).cgroupParent();
    String b = new JvsDirs(java.nio.file.Path.of("/tmp/b"), JvsDirs.DEFAULT_RUN).cgroupParent();
    assertThat(a).matches("jvs-[0-9a-f]{8}").isNotEqualTo(b);
  }
}
