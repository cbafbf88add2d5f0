package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's atomicity: a failed or interrupted build is never visible as a template. */
class TemplatesTest {
  @TempDir Path dir;

  private List<String> entries() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aBuildThatFailsHalfwayLeavesNothing() throws IOException {
    Templates t = new Templates(dir);
    assertThatThrownBy(
            () ->
                t.create(
                    "half",
                    "test",
                    (staging, rootfs) -> {
                      Files.createDirectories(rootfs.resolve("etc"));
                      Files.writeString(rootfs.resolve("etc/one"), "1");
                      throw new IOException("No space left on device");
                    }))
        .hasMessage("template half: No space left on device");
    assertThat(t.names()).isEmpty();
    assertThat(entries()).containsExactly(".lock");
  }

  @Test
  void leftoversOfAKilledBuildAreSweptAndNeverListed() throws IOException {
    Files.createDirectories(dir.resolve(".web.build-123/rootfs/etc"));
    Files.createDirectories(dir.resolve(".old.rm-9/old/rootfs"));
    Templates t = new Templates(dir);
    assertThat(t.names()).isEmpty();
    t.create(
        "web",
        "test",
        (staging, rootfs) -> {
          Files.createDirectories(rootfs.resolve("etc"));
          return new ImageConfig(List.of("A=1"), List.of(), List.of("/bin/true"), "", "");
        });
    assertThat(entries()).containsExactly(".lock", "web");
    assertThat(t.names()).containsExactly("web");
    assertThat(t.imageConfig("web").orElseThrow().cmd()).containsExactly("/bin/true");
    assertThatThrownBy(() -> t.create("web", "again", (s, r) -> ImageConfig.NONE))
        .hasMessage("template web: already exists (jvs template rm web first)");
    assertThatThrownBy(() -> t.create("../x", "bad", (s, r) -> ImageConfig.NONE))
        .hasMessageStartingWith("invalid template name '../x'");
    t.remove("web", List::of);
    assertThat(entries()).containsExactly(".lock");
  }

  /**
   * The last line of defence: whatever a caller skipped, no name resolves outside the store, even
   * where a directory is waiting there (templates/../decoy/rootfs).
   */
  @Test
  void namesThatLeaveTheStoreNeverResolve() throws IOException {
    Path store = dir.resolve("templates");
    Files.createDirectories(dir.resolve("decoy/rootfs"));
    Files.writeString(dir.resolve("decoy/config.json"), "{}");
    Files.createDirectories(store.resolve("Upper/rootfs")); // made by hand, not a template name
    Templates t = new Templates(store);
    for (String bad : List.of("../decoy", "..", "/", "", "a/../../decoy", dir + "/decoy")) {
      for (ThrowingCallable use :
          List.<ThrowingCallable>of(
              () -> t.rootfs(bad),
              () -> t.ensure(bad),
              () -> t.existing(bad),
              () -> t.imageConfig(bad),
              () -> t.remove(bad, List::of))) {
        assertThatThrownBy(use).as(bad).hasMessageStartingWith("invalid template name '" + bad);
      }
    }
    assertThat(t.names()).isEmpty();
    assertThat(dir.resolve("decoy/rootfs")).isDirectory();
  }

  @Test
  void imageConfigCommandFollowsDockerSemantics() {
    ImageConfig c =
        new ImageConfig(List.of("PATH=/x", "A=b=c"), List.of("/ep"), List.of("d"), "", "");
    assertThat(c.command(List.of())).containsExactly("/ep", "d");
    assertThat(c.command(List.of("x", "y"))).containsExactly("/ep", "x", "y");
    assertThat(c.environment(java.util.Map.of("PATH", "/bin")))
        .containsEntry("PATH", "/x")
        .containsEntry("A", "b=c");
  }
}
