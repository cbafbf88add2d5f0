package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.sched.Lxcfs;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, acceptance 2 and 3: unprivileged guests on each kind of template (an OCI image with a
 * User, a Debian system guest with its services and the lxcfs view) and `jvs unify` under them.
 */
@Tag("kernel")
class UnprivilegedTemplatesKernelTest {

  /** Built as every new guest is, from any template: unprivileged without being told. */
  private static GuestName unprivileged(TestHost host, String name, String template)
      throws java.io.IOException {
    GuestName g = GuestName.of(name);
    host.guests().build(g, template);
    assertThat(
            java.nio.file.Files.readAllLines(
                host.dirs().guest(g).resolve(dev.jvs.guest.config.ConfigFile.FILE_NAME)))
        .as("%s's guest.conf from template %s", g, template)
        .contains("security.privileged = false");
    assertThat(host.guests().config(g).privileged()).isFalse();
    return g;
  }

  private static String uidMap(TestHost host, GuestName g) {
    String base = Long.toString(host.guests().idRange(g).orElseThrow().base());
    return "0 " + base + " 65536";
  }

  @Test
  void anOciImageRunsAsItsUserInsideTheGuestsRange() throws Exception {
    try (TestHost host = new TestHost()) {
      Path layout =
          TestImages.ociLayout(
              host.base().resolve("oci"),
              OciImportKernelTest.layers(host),
              OciImportKernelTest.PROCESS);
      TemplateSources.forHost(new Templates(host.dirs().templates()), Map.of())
          .importImage("img", layout);
      GuestName g = unprivileged(host, "app-img", "img");
      // the image's User (65534) with its group: setgroups works in the guest's namespace
      TestHost.Run run = host.runApplication(g);
      assertThat(run.code()).as(run.output()).isZero();
      assertThat(run.output().strip()).isEqualTo("hello from /app as 65534:65534");
      TestHost.Run map = host.runApplication(g, "cat /proc/self/uid_map; cat /etc/motd");
      assertThat(map.output().strip().replaceAll("[ \t]+", " "))
          .isEqualTo(uidMap(host, g) + "\ntwo");
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void aDebianSystemGuestBootsItsServicesUnprivilegedWithTheLxcfsView() throws Exception {
    try (TestHost host = new TestHost()) {
      Lxcfs lxcfs = new Lxcfs(host.dirs().run());
      try {
        assertThat(lxcfs.ensure()).startsWith("lxcfs: serving");
        TemplateSources.forHost(new Templates(host.dirs().templates()), System.getenv())
            .build("deb", "debian:bookworm", line -> {});
        GuestName g = unprivileged(host, "debu", "deb");
        host.guests().set(g, Map.of("memory.rss", "64M", "cpu.cpus", "0"));
        host.guests().start(g, List.of(), Guests.Attach.DETACHED);
        String ps = "";
        String runlevel = "";
        for (int i = 0;
            i < 120 && !(runlevel.equals("N 2") && ps.contains("/usr/sbin/cron"));
            i++) {
          Thread.sleep(250);
          runlevel = host.exec(g, "/sbin/runlevel").output().strip();
          ps = host.exec(g, "ps", "-eo", "pid,user,args").output();
        }
        assertThat(runlevel).isEqualTo("N 2");
        assertThat(ps).containsPattern("(?m)^\\s*1 root +init \\[2\\]").contains("/usr/sbin/cron");
        assertThat(
                host.exec(g, "cat", "/proc/self/uid_map").output().strip().replaceAll("\\s+", " "))
            .isEqualTo(uidMap(host, g));
        // su changes groups (setgroups) and user inside the guest's range
        assertThat(host.exec(g, "su", "-s", "/bin/sh", "nobody", "-c", "id -u; id -G").output())
            .isEqualTo("65534\n65534\n");
        // the lxcfs view: procps' free and nproc follow the guest's limits
        String mem =
            host.exec(g, "free", "-m")
                .output()
                .lines()
                .filter(l -> l.startsWith("Mem:"))
                .findFirst()
                .orElseThrow();
        assertThat(mem.split("\\s+")[1]).isEqualTo("64");
        assertThat(host.exec(g, "nproc").output()).isEqualTo("1\n");
        // apt's own sandbox user and dpkg's files are the guest's
        assertThat(host.exec(g, "stat", "-c", "%U:%G", "/var/lib/dpkg/status").output())
            .isEqualTo("root:root\n");
        host.guests().stop(g, Duration.ofSeconds(10));
      } finally {
        lxcfs.stop();
      }
    }
  }

  @Test
  void unifyLinksTemplateFilesUnderRunningUnprivilegedGuests() throws Exception {
    try (TestHost host = new TestHost()) {
      Templates templates = new Templates(host.dirs().templates());
      Path busybox = templates.ensure("busybox");
      TemplateSources sources = TemplateSources.forHost(templates, Map.of());
      for (String t : List.of("ua", "ub")) {
        Path layer = host.base().resolve(t + ".tar");
        try (TarBuilder tar = new TarBuilder(layer)) {
          tar.tree(busybox).file("shared.bin", new byte[1 << 20], 0644).file("own.txt", t);
        }
        sources.importImage(
            t, TestImages.ociLayout(host.base().resolve(t), List.of(layer), ImageConfig.NONE));
      }
      GuestName a = unprivileged(host, "uga", "ua");
      GuestName b = unprivileged(host, "ugb", "ub");
      host.guests().start(a, List.of(), Guests.Attach.DETACHED);
      host.guests().start(b, List.of(), Guests.Attach.DETACHED);
      Unifier.Result r = Unifier.unify(templates);
      assertThat(r.bytesSaved()).isGreaterThanOrEqualTo(1 << 20);
      assertThat(
              Files.isSameFile(
                  templates.rootfs("ua").resolve("shared.bin"),
                  templates.rootfs("ub").resolve("shared.bin")))
          .isTrue();
      String check = "stat -c '%u %s' /shared.bin; cat /own.txt";
      assertThat(host.exec(a, "sh", "-c", check).output()).isEqualTo("0 1048576\nua");
      assertThat(host.exec(b, "sh", "-c", check).output()).isEqualTo("0 1048576\nub");
      // a write copies the linked file up into the writer's range: the other keeps its bytes
      assertThat(host.exec(a, "sh", "-c", "echo changed > /shared.bin").code()).isZero();
      assertThat(
              Files.getAttribute(
                  host.dirs().guest(a).resolve("upper/shared.bin"),
                  "unix:uid",
                  java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .isEqualTo(Math.toIntExact(host.guests().idRange(a).orElseThrow().base()));
      assertThat(host.exec(b, "sh", "-c", "wc -c < /shared.bin").output().strip())
          .isEqualTo("1048576");
      assertThat(Files.size(templates.rootfs("ub").resolve("shared.bin"))).isEqualTo(1 << 20);
    }
  }
}
