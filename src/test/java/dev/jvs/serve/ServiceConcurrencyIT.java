package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 20 CLI calls at once through the service (issue 13, acceptance 7), against 20 guests and against
 * one: each runs on a thread of the service, the guests' flocks order them, every call succeeds or
 * fails with its one line, and what `jvs list` says is what the kernel has.
 */
@Tag("kernel")
class ServiceConcurrencyIT {
  private static final int CALLS = 20;

  @Test
  void twentyCallsAtOnceAgainstTwentyGuestsAndAgainstOne() throws Exception {
    try (TestHost host = new TestHost();
        TestService service = TestService.start(host)) {
      int before = service.served().size();
      // 20 guests: every wave of 20 calls succeeds
      for (IntFunction<String[]> wave :
          List.<IntFunction<String[]>>of(
              i -> new String[] {"build", "g" + i},
              i -> new String[] {"start", "g" + i},
              i -> new String[] {"exec", "g" + i, "--", "sh", "-c", "echo in-g" + i},
              i -> new String[] {"status", "g" + i},
              i -> new String[] {"set", "g" + i, "pids.max=" + (100 + i)})) {
        List<TestService.Result> results = atOnce(host, wave);
        for (int i = 0; i < CALLS; i++) {
          assertThat(results.get(i).code())
              .as("%s: %s", String.join(" ", wave.apply(i)), results.get(i).err())
              .isZero();
          assertThat(results.get(i).err()).isEmpty();
        }
        if (wave.apply(0)[0].equals("exec")) {
          for (int i = 0; i < CALLS; i++) {
            assertThat(results.get(i).out()).isEqualTo("in-g" + i + "\n");
          }
        }
      }
      assertConsistent(host); // one `jvs list` more
      assertThat(service.served().size() - before).isEqualTo(5 * CALLS + 1);

      // one guest: starts, stops, execs and looks, all at once
      assertThat(TestService.jvs(host, "build", "busy").code()).isZero();
      String[][] kinds = {
        {"start", "busy"},
        {"stop", "-t", "0", "busy"},
        {"exec", "busy", "--", "true"},
        {"status", "busy"},
        {"list"}
      };
      List<TestService.Result> results = atOnce(host, i -> kinds[i % kinds.length]);
      for (int i = 0; i < CALLS; i++) {
        TestService.Result r = results.get(i);
        String what = String.join(" ", kinds[i % kinds.length]);
        if (r.code() == 0
            || (what.startsWith("status") && r.code() == 3)
            || (what.startsWith("exec") && r.code() >= 128 && r.err().isEmpty())) {
          // (an exec whose guest a stop killed under it ends as its command did: by a signal)
          assertThat(r.err()).as(what).isEmpty();
        } else {
          assertThat(r.code()).as(what).isEqualTo(1);
          if (what.startsWith("exec")) {
            // An exec looks the guest up under its lock, then joins it without: a stop in
            // between leaves a guest that is gone by the time of the join or of the cgroup
            // placement ("join the namespaces of pid N: No such process", "cgroup.procs:
            // cannot set N: No such process"; the core's to say "not running" there;
            // docs/service.md, "Known gaps"). One line naming the guest, all the same.
            assertThat(r.err()).as(what).matches("jvs: busy: [^\n]+\n");
          } else {
            assertThat(r.err())
                .as(what)
                .matches("jvs: busy: (already running|not running|.*lock.*)\n");
          }
        }
      }
      assertConsistent(host);
      assertThat(service.served().size() - before).isEqualTo(5 * CALLS + 1 + 1 + CALLS + 1);
      assertThat(service.served()).noneMatch(l -> l.contains("its own JVM"));
      // the storm over, the guest still starts and works
      TestService.jvs(host, "stop", "-t", "0", "busy");
      assertThat(TestService.jvs(host, "start", "busy").code()).isZero();
      assertThat(TestService.jvs(host, "exec", "busy", "--", "true").code()).isZero();
    }
  }

  private static List<TestService.Result> atOnce(TestHost host, IntFunction<String[]> call)
      throws Exception {
    try (ExecutorService threads = Executors.newFixedThreadPool(CALLS)) {
      List<CompletableFuture<TestService.Result>> all = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) {
        String[] args = call.apply(i);
        all.add(CompletableFuture.supplyAsync(() -> TestService.jvs(host, args), threads));
      }
      List<TestService.Result> results = new ArrayList<>();
      for (CompletableFuture<TestService.Result> f : all) {
        results.add(f.get(180, TimeUnit.SECONDS));
      }
      return results;
    }
  }

  /** `jvs list` agrees with the kernel: running guests have a live init in their cgroup. */
  private static void assertConsistent(TestHost host) throws Exception {
    String list = TestService.jvs(host, "list").out();
    for (GuestStatus s : host.guests().list()) {
      assertThat(list).containsPattern(s.name() + "\\s+" + s.state().name().toLowerCase());
      Path procs =
          Path.of("/sys/fs/cgroup/pids", host.dirs().cgroupParent(), s.name(), "cgroup.procs");
      if (s.state() == GuestStatus.State.RUNNING) {
        assertThat(Path.of("/proc/" + s.initPid())).as(s.name()).exists();
        assertThat(Files.readAllLines(procs)).as(s.name()).contains(Long.toString(s.initPid()));
      } else {
        assertThat(procs).as(s.name()).doesNotExist();
      }
    }
  }
}
