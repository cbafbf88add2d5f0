package dev.jvs.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateCacheTest {
  @TempDir Path dir;

  private static InstanceState state(long initPid) {
    return new InstanceState("g", 10, 1, initPid, 2, 3, "jvs", "g", 0, Map.of());
  }

  @Test
  void aReplacedFileIsReadAgainAndARemovedOneIsGone() throws Exception {
    StateCache cache = new StateCache();
    assertThat(cache.read(dir)).isEmpty();
    StateFile.write(dir, state(100));
    assertThat(cache.read(dir)).contains(state(100));
    assertThat(cache.read(dir)).contains(state(100));
    StateFile.write(dir, state(200)); // same size, a new inode by rename
    assertThat(cache.read(dir)).contains(state(200));
    StateFile.delete(dir);
    assertThat(cache.read(dir)).isEmpty();
    assertThat(cache.size()).isZero();
  }

  @Test
  void aCorruptFileIsStillAnErrorNamingIt() throws Exception {
    StateCache cache = new StateCache();
    StateFile.write(dir, state(100));
    assertThat(cache.read(dir)).isPresent();
    Files.writeString(dir.resolve("state.json.tmp"), "{not json");
    Files.move(
        dir.resolve("state.json.tmp"),
        dir.resolve(StateFile.NAME),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> cache.read(dir))
        .isInstanceOf(JvsException.class)
        .hasMessageContaining(dir.resolve(StateFile.NAME).toString())
        .hasMessageContaining("corrupt state");
  }

  @Test
  void entriesAreForgottenAndBounded() throws Exception {
    StateCache cache = new StateCache(3);
    for (int i = 0; i < 5; i++) {
      Path d = dir.resolve("i" + i);
      StateFile.write(d, state(i + 1));
      assertThat(cache.read(d)).contains(state(i + 1));
    }
    assertThat(cache.size()).isBetween(1, 3);
    Path last = dir.resolve("i4");
    cache.forget(last);
    assertThat(cache.size()).isLessThan(3);
    assertThat(cache.read(last)).contains(state(5));
  }
}
