package dev.jvs.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.LxcfsView;
import dev.jvs.testing.Cli;
import dev.jvs.testing.TestHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `jvs serve`, `stat`, `ps` and `top` through the packaged CLI (acceptance 1 and 7): the service
 * logs its decisions and starts lxcfs; killed with SIGKILL it leaves guests running; a second one
 * rebuilds its view from state.
 */
@Tag("kernel")
class ServeIT {

  @Test
  void guestsOutliveAKilledServiceAndTheViewsShowThem() throws Exception {
    try (TestHost host = new TestHost()) {
      Cli cli = new Cli(host);
      assertThat(cli.run("build", "web1").code()).isZero();
      assertThat(cli.run("set", "web1", "cpu.reserve=50", "memory.rss=64M").code()).isZero();
      try {
        List<String> log = new CopyOnWriteArrayList<>();
        Process serve = startServe(cli, log);
        assertThat(SchedTesting.eventually(20_000, () -> contains(log, "lxcfs: serving")))
            .as(String.join("\n", log))
            .isTrue();
        // Started after lxcfs: its free -m shows its own 64 MiB.
        assertThat(cli.run("start", "web1").code()).isZero();
        assertThat(cli.run("exec", "web1", "--", "grep", "MemTotal", "/proc/meminfo").out())
            .contains("65536 kB");
        assertThat(SchedTesting.eventually(10_000, () -> contains(log, "cpu: web1 weight")))
            .as(String.join("\n", log))
            .isTrue();
        serve.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // a crash: SIGKILL
        assertThat(host.guests().status(GuestName.of("web1")).state())
            .isEqualTo(GuestStatus.State.RUNNING);
        assertThat(LxcfsView.live(LxcfsView.mountPoint(host.dirs().run()))).isTrue();

        Cli.Result stat = cli.run("stat");
        assertThat(stat.out()).startsWith("NAME").contains("CTX", "userTIME", "sysTIME", "UPTIME");
        assertThat(stat.out().lines().filter(l -> l.startsWith("web1 "))).hasSize(1);
        Cli.Result ps = cli.run("ps");
        assertThat(ps.out().lines().filter(l -> l.startsWith("web1 ") && l.contains("init")))
            .isNotEmpty();
        Cli.Result top = cli.run("top", "-n", "2", "-d", "0.2", "--plain");
        assertThat(top.out()).contains("jvs top", "%CPU");
        assertThat(top.out().lines().filter(l -> l.startsWith("web1 "))).hasSize(2);

        List<String> second = new CopyOnWriteArrayList<>();
        Process again = startServe(cli, second);
        assertThat(SchedTesting.eventually(20_000, () -> contains(second, "cpu: web1 weight")))
            .as(String.join("\n", second))
            .isTrue();
        assertThat(second).anyMatch(l -> l.contains("lxcfs: already serving"));
        again.destroy();
        assertThat(again.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.run("stop", "web1").code()).isZero();
      } finally {
        new Lxcfs(host.dirs().run()).stop();
      }
    }
  }

  @Test
  void badResourceInputIsAOneLineErrorAndChangesNothing() throws Exception {
    try (TestHost host = new TestHost()) {
      Cli cli = new Cli(host);
      assertThat(cli.run("build", "web1").code()).isZero();
      java.nio.file.Path conf = host.dirs().guest(GuestName.of("web1")).resolve("guest.conf");
      String before = java.nio.file.Files.readString(conf);
      int capacity = 100 * Runtime.getRuntime().availableProcessors();
      for (String bad :
          List.of(
              "cpu.reserve=" + (capacity + 1),
              "cpu.share=0",
              "cpu.share=-1",
              "cpu.cpus=0-99",
              "memory.rss=32M memory.anon=64M")) {
        List<String> args = new java.util.ArrayList<>(List.of("set", "web1"));
        args.addAll(List.of(bad.split(" ")));
        Cli.Result r = cli.run(args.toArray(String[]::new));
        assertThat(r.code()).as(bad).isEqualTo(1);
        assertThat(r.err().lines()).as(bad).hasSize(1);
        assertThat(r.err()).as(bad).startsWith("jvs: web1: ");
      }
      assertThat(java.nio.file.Files.readString(conf)).isEqualTo(before);
    }
  }

  private static Process startServe(Cli cli, List<String> log) throws Exception {
    Process p = cli.builder("serve", "--tick", "200ms").redirectErrorStream(true).start();
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(log::add);
              } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
                // the process ended (lines() wraps the closed stream's IOException)
              }
            });
    return p;
  }

  private static boolean contains(List<String> log, String text) {
    return log.stream().anyMatch(l -> l.contains(text));
  }
}
