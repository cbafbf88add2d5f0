package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.TestHost;
import dev.jvs.testing.UnixHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 50 requests at once against one guest (start, stop, restart, config patches, some bad): every
 * answer is a 2xx or a 4xx with {"error": one line}, and the guest ends either running or stopped
 * with its state file, its cgroup and its processes agreeing; nothing leaks (TestHost).
 */
@Tag("kernel")
class ApiConcurrencyIT {
  @Test
  void fiftyParallelRequestsLeaveConsistentState() throws Exception {
    try (TestHost host = new TestHost();
        TestService service = TestService.start(host)) {
      Path socket = host.dirs().run().resolve("jvs.sock");
      GuestName web = GuestName.of("web");
      assertThat(TestService.jvs(host, "build", "web").code()).isZero();
      List<String[]> requests = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        requests.add(
            switch (i % 6) {
              case 0 -> new String[] {"PUT", "/1.0/guests/web/state", "{\"action\":\"start\"}"};
              case 1 ->
                  new String[] {
                    "PUT", "/1.0/guests/web/state", "{\"action\":\"stop\",\"timeout\":2}"
                  };
              case 2 ->
                  new String[] {
                    "PATCH", "/1.0/guests/web/config", "{\"cpu.share\":" + (100 + i) + "}"
                  };
              case 3 ->
                  new String[] {
                    "PUT", "/1.0/guests/web/state?async=true", "{\"action\":\"restart\"}"
                  };
              case 4 -> new String[] {"PATCH", "/1.0/guests/web/config", "{\"pids.max\":\"x\"}"};
              default ->
                  new String[] {
                    "PUT", "/1.0/guests/web/state", "{\"action\":\"stop\",\"force\":true}"
                  };
            });
      }
      ExecutorService pool = Executors.newFixedThreadPool(50);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<UnixHttp.Reply>> replies = new ArrayList<>();
      for (String[] r : requests) {
        replies.add(
            pool.submit(
                () -> {
                  go.await();
                  return UnixHttp.send(socket, r[0], r[1], r[2]);
                }));
      }
      go.countDown();
      List<String> operations = new ArrayList<>();
      for (int i = 0; i < replies.size(); i++) {
        UnixHttp.Reply r = replies.get(i).get();
        String[] req = requests.get(i);
        assertThat(r.status())
            .as("%s %s %s: %s", req[0], req[1], req[2], r.body())
            .isBetween(200, 499);
        if (r.status() >= 400) {
          assertThat(r.json().get("error").asText()).isNotBlank().doesNotContain("\n");
        }
        if (r.status() == 202) {
          operations.add(r.json().get("operation").asText());
        }
      }
      pool.shutdown();
      for (String op : operations) { // every operation ends, as a success or a one-line failure
        UnixHttp.Reply r = UnixHttp.send(socket, "GET", op + "/wait?timeout=120", null);
        String status = r.json().get("status").asText();
        assertThat(status).as(r.body()).isIn("success", "failure");
        if (status.equals("failure")) {
          assertThat(r.json().get("status_code").asInt()).as(r.body()).isBetween(400, 499);
          assertThat(r.json().get("error").asText()).doesNotContain("\n");
        }
      }

      // state file, cgroup and processes agree
      GuestStatus s = host.guests().status(web);
      assertThat(s.state()).isIn(GuestStatus.State.RUNNING, GuestStatus.State.STOPPED);
      var cgroup = CgroupDriver.detect().find(host.dirs().cgroupParent(), "web");
      if (s.state() == GuestStatus.State.RUNNING) {
        assertThat(Files.exists(Path.of("/proc/" + s.initPid()))).isTrue();
        assertThat(cgroup).isPresent();
        assertThat(cgroup.get().pids()).contains(s.initPid());
      } else {
        assertThat(cgroup).isEmpty();
      }
      assertThat(UnixHttp.send(socket, "GET", "/1.0/guests/web", null).json().get("state").asText())
          .isEqualTo(s.state().toString());
      // the config is one that a patch wrote, and still parses
      String share = host.guests().config(web).resources().get("cpu.share");
      assertThat(Integer.parseInt(share)).isBetween(100, 150);
    }
  }
}
