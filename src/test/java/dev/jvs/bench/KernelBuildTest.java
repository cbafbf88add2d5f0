package dev.jvs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvs.base.JvsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel compile's build script, run for real with the host's dash and make on a stand-in tree
 * whose Makefile answers the same two calls (tinyconfig, then the default goal) as the kernel's: it
 * reports its children's CPU time (which a subshell would lose), fails with make's last lines, and
 * its timing line parses.
 */
class KernelBuildTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run script(String makefile) throws IOException, InterruptedException {
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("Makefile"), makefile);
    Path script = dir.resolve("jvs-kbuild.sh");
    Files.writeString(script, KernelBuild.SCRIPT);
    Process p =
        new ProcessBuilder(
                "/bin/sh", script.toString(), src.toString(), dir.resolve("out").toString(), "2")
            .redirectOutput(dir.resolve("stdout").toFile())
            .redirectError(dir.resolve("stderr").toFile())
            .start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("script finished").isTrue();
    return new Run(
        p.exitValue(),
        Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8));
  }

  @Test
  void aBuildReportsItsWallTimeAndItsChildrensCpuTime() throws Exception {
    Run r =
        script(
            """
            all:
            \t@test "$(ARCH)" = x86_64 && test -f $(O)/.config
            \t@i=0; while [ $$i -lt 400000 ]; do i=$$((i+1)); done
            \t@mkdir -p $(O)/arch/x86/boot && echo image > $(O)/arch/x86/boot/bzImage
            tinyconfig:
            \t@echo CONFIG_TINY=y > $(O)/.config
            """);
    assertThat(r.code()).as(r.err()).isZero();
    KernelBuild.Result res = KernelBuild.parse("native", r.out());
    assertThat(res.wall()).isPositive();
    // the busy loop ran in make's shell, a grandchild of the script
    assertThat(res.cpu()).as(r.out()).isPositive();
    assertThat(res.cpu()).isLessThan(res.wall() * 2 + 1);
  }

  @Test
  void aFailedBuildExitsNonZeroWithMakesLastLines() throws Exception {
    Run r =
        script(
            """
            all:
            \t@echo "arch/x86/foo.c:1: error: boom" >&2; exit 2
            tinyconfig:
            \t@echo CONFIG_TINY=y > $(O)/.config
            """);
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("error: boom");
    assertThat(r.out()).doesNotContain("jvs-kbuild wall_ns");
  }

  @Test
  void aBuildWithoutAnImageFails() throws Exception {
    Run r =
        script(
            """
            all:
            \t@true
            tinyconfig:
            \t@echo CONFIG_TINY=y > $(O)/.config
            """);
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("no arch/x86/boot/bzImage");
  }

  @Test
  void parsesDashTimesAndNamesTheSystemWhenTheLineIsMissing() {
    KernelBuild.Result r =
        KernelBuild.parse(
            "jvs", "noise\njvs-kbuild wall_ns=61500000000 children=1m2.500000s 0m7.25s\n");
    assertThat(r.wall()).isEqualTo(61.5);
    assertThat(r.user()).isEqualTo(62.5);
    assertThat(r.sys()).isEqualTo(7.25);
    assertThatThrownBy(() -> KernelBuild.parse("runc", "make: *** [all] Error 2"))
        .isInstanceOf(JvsException.class)
        .hasMessageContaining("runc")
        .hasMessageContaining("Error 2");
  }
}
