package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.TestHost;
import dev.jvs.testing.UnixHttp;
import dev.jvs.testing.UnixHttp.Reply;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The REST API on the service's own socket (docs/api.md): the CLI's clients and HTTP share
 * $JVS_RUN/jvs.sock; guests listed, started and stopped for real; bad input gets a 4xx with one
 * line and changes nothing; metrics name the guest.
 */
@Tag("kernel")
class RestApiIT {

  @Test
  void scriptsDriveGuestsOverTheServicesSocket() throws Exception {
    try (TestHost host = new TestHost();
        TestService service = TestService.start(host)) {
      Path socket = host.dirs().run().resolve("jvs.sock");
      assertThat(TestService.jvs(host, "build", "web1").code()).isZero();
      GuestName web1 = GuestName.of("web1");

      Reply list = http(socket, "GET", "/1.0/guests", null);
      assertThat(list.status()).isEqualTo(200);
      assertThat(list.json().isArray()).isTrue();
      assertThat(list.json().get(0).get("name").asText()).isEqualTo("web1");
      assertThat(list.json().get(0).get("state").asText()).isEqualTo("stopped");

      Reply start = http(socket, "PUT", "/1.0/guests/web1/state", "{\"action\":\"start\"}");
      assertThat(start.status()).as(start.body()).isBetween(200, 299);
      assertThat(host.guests().status(web1).state()).isEqualTo(GuestStatus.State.RUNNING);
      assertThat(http(socket, "GET", "/1.0/guests/web1", null).json().get("state").asText())
          .isEqualTo("running");
      // the native client still shares the socket
      assertThat(TestService.jvs(host, "list").out()).contains("web1").contains("running");

      // bad input: a 4xx with {"error": one line}, and the guest as it was
      for (String[] bad :
          new String[][] {
            {"PUT", "/1.0/guests/web1/state", "{\"action\":\"fly\"}", "400"},
            {"PUT", "/1.0/guests/web1/state", "{\"action\":", "400"},
            {"PUT", "/1.0/guests/web1/state", "{\"action\":\"stop\",\"bogus\":1}", "400"},
            {"PUT", "/1.0/guests/web1/state", "{\"action\":\"stop\",\"timeout\":\"x\"}", "400"},
            {"PUT", "/1.0/guests/nosuch/state", "{\"action\":\"start\"}", "404"},
            {"GET", "/1.0/guests/-x", null, "400"},
            {"GET", "/1.0/guests/..%2F..%2Fetc", null, "400"},
            {"PATCH", "/1.0/guests/web1/config", "{\"memory.rss\":\"12Q\"}", "400"},
          }) {
        Reply r = http(socket, bad[0], bad[1], bad[2]);
        assertThat(r.status())
            .as("%s %s %s: %s", bad[0], bad[1], bad[2], r.body())
            .isEqualTo(Integer.parseInt(bad[3]));
        assertThat(r.json().get("error").asText()).isNotBlank().doesNotContain("\n");
        assertThat(host.guests().status(web1).state()).isEqualTo(GuestStatus.State.RUNNING);
      }

      Reply metrics = http(socket, "GET", "/1.0/metrics", null);
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.body()).contains("jvs_guest_running{guest=\"web1\"} 1");

      Reply stop =
          http(socket, "PUT", "/1.0/guests/web1/state", "{\"action\":\"stop\",\"timeout\":5}");
      assertThat(stop.status()).as(stop.body()).isBetween(200, 299);
      assertThat(host.guests().status(web1).state()).isEqualTo(GuestStatus.State.STOPPED);
    }
  }

  private static Reply http(Path socket, String method, String path, String body)
      throws IOException {
    return UnixHttp.send(socket, method, path, body);
  }
}
