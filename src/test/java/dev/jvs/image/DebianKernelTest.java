package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.launch.Launcher;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 4, acceptance 1: a Debian template by debootstrap from the host's apt mirror, cached per
 * machine (/var/cache/jvs, or $JVS_CACHE): cold ≈ 1.5 min here, warm a few seconds. Its guest boots
 * sysvinit to runlevel 2 with cron running; exec with a pty gives a login shell.
 */
@Tag("kernel")
class DebianKernelTest {

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void debianGuestBootsSysvinitToMultiUserWithServices() throws Exception {
    try (TestHost host = new TestHost()) {
      Templates templates = new Templates(host.dirs().templates());
      TemplateSources sources = TemplateSources.forHost(templates, System.getenv());
      List<String> progress = new ArrayList<>();
      sources.build("deb", "debian:bookworm", progress::add);
      String mirror = AptSources.mirrorFor("bookworm", AptSources.read(Path.of("/etc/apt")));
      assertThat(templates.list())
          .anySatisfy(t -> assertThat(t.source()).isEqualTo("debian:bookworm from " + mirror));

      // From the cache: hard links, so a second template costs no data blocks.
      long t0 = System.nanoTime();
      sources.build("deb2", "debian:bookworm", line -> {});
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
      assertThat(
              Files.isSameFile(
                  templates.rootfs("deb").resolve("usr/bin/dpkg"),
                  templates.rootfs("deb2").resolve("usr/bin/dpkg")))
          .isTrue();
      assertThat(templates.rootfs("deb").resolve("etc/inittab"))
          .content()
          .doesNotContainPattern("(?m)^1:2345:respawn:/sbin/getty");

      GuestName g = GuestName.of("deb1");
      host.guests().build(g, "deb");
      host.guests().start(g, List.of(), Guests.Attach.DETACHED);
      String ps = "";
      String runlevel = "";
      for (int i = 0; i < 120 && !(runlevel.equals("N 2") && ps.contains("/usr/sbin/cron")); i++) {
        Thread.sleep(250);
        runlevel = host.exec(g, "/sbin/runlevel").output().strip();
        ps = host.exec(g, "ps", "-eo", "pid,args").output();
      }
      assertThat(runlevel).isEqualTo("N 2");
      assertThat(ps).containsPattern("(?m)^\\s*1 init \\[2\\]").contains("/usr/sbin/cron");
      assertThat(host.exec(g, "cat", "/etc/debian_version").output()).startsWith("12.");

      // What `jvs enter` runs (/bin/sh -l), on a fresh pty from the guest's devpts.
      Path out = host.base().resolve("enter.out");
      int code =
          host.guests()
              .exec(
                  g,
                  List.of("/bin/sh", "-l", "-c", "tty; echo $HOME; id -un"),
                  true,
                  new Launcher.Stdio(
                      ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
                      ProcessBuilder.Redirect.to(out.toFile()),
                      ProcessBuilder.Redirect.to(out.toFile())));
      assertThat(code).isZero();
      assertThat(Files.readString(out).replace("\r", ""))
          .containsPattern("/dev/pts/\\d+\n/root\nroot");
      host.guests().stop(g, Duration.ZERO);
    }
  }
}
