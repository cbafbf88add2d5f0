package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.TestHost;
import dev.jvs.testing.UnixHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Long actions as operations (docs/api.md, "Operations"): with ?async=true a 202 names
 * /1.0/operations/ID, which shows running, success or failure (with the one-line error and the
 * status the synchronous call would have had) and can be waited on; without it the call waits, as
 * scripts expect.
 */
@Tag("kernel")
class ApiOperationsIT {
  @Test
  void longActionsAreOperationsToPollOrWaitOn() throws Exception {
    try (TestHost host = new TestHost();
        TestService service = TestService.start(host)) {
      Path socket = host.dirs().run().resolve("jvs.sock");
      GuestName web = GuestName.of("web");

      UnixHttp.Reply built =
          UnixHttp.send(socket, "POST", "/1.0/guests?async=true", "{\"name\":\"web\"}");
      assertThat(built.status()).as(built.body()).isEqualTo(202);
      JsonNode done = waitFor(socket, built.json().get("operation").asText());
      assertThat(done.get("status").asText()).isEqualTo("success");
      assertThat(done.get("status_code").asInt()).isEqualTo(201);
      assertThat(done.get("description").asText()).isEqualTo("build web");
      assertThat(Files.isDirectory(host.dirs().guest(web))).isTrue();

      UnixHttp.Reply start =
          UnixHttp.send(
              socket, "PUT", "/1.0/guests/web/state?async=true", "{\"action\":\"start\"}");
      assertThat(start.status()).as(start.body()).isEqualTo(202);
      String op = start.json().get("operation").asText();
      assertThat(op).matches("/1\\.0/operations/[0-9a-f-]{36}");
      String status = UnixHttp.send(socket, "GET", op, null).json().get("status").asText();
      assertThat(status).isIn("running", "success");
      assertThat(waitFor(socket, op).get("status").asText()).isEqualTo("success");
      assertThat(host.guests().status(web).state()).isEqualTo(GuestStatus.State.RUNNING);

      // a failing action: the operation says so with the line and status a synchronous call gets
      UnixHttp.Reply again =
          UnixHttp.send(
              socket, "PUT", "/1.0/guests/web/state?async=true", "{\"action\":\"start\"}");
      JsonNode failed = waitFor(socket, again.json().get("operation").asText());
      assertThat(failed.get("status").asText()).isEqualTo("failure");
      assertThat(failed.get("status_code").asInt()).isEqualTo(409);
      assertThat(failed.get("error").asText()).contains("web").doesNotContain("\n");
      UnixHttp.Reply syncAgain =
          UnixHttp.send(socket, "PUT", "/1.0/guests/web/state", "{\"action\":\"start\"}");
      assertThat(syncAgain.status()).isEqualTo(409);
      assertThat(syncAgain.json().get("error").asText()).isEqualTo(failed.get("error").asText());

      // restart, stop, clone (of a stopped guest) and delete as operations too
      for (String action : new String[] {"restart", "stop"}) {
        UnixHttp.Reply r =
            UnixHttp.send(
                socket,
                "PUT",
                "/1.0/guests/web/state?async=true",
                "{\"action\":\"" + action + "\",\"timeout\":5}");
        assertThat(waitFor(socket, r.json().get("operation").asText()).get("status").asText())
            .isEqualTo("success");
      }
      assertThat(host.guests().status(web).state()).isEqualTo(GuestStatus.State.STOPPED);
      JsonNode cloned =
          waitFor(
              socket,
              UnixHttp.send(
                      socket, "POST", "/1.0/guests/web/clone?async=true", "{\"name\":\"web2\"}")
                  .json()
                  .get("operation")
                  .asText());
      assertThat(cloned.get("status").asText()).as(cloned.toString()).isEqualTo("success");
      UnixHttp.Reply deleted = UnixHttp.send(socket, "DELETE", "/1.0/guests/web2?async=true", null);
      assertThat(waitFor(socket, deleted.json().get("operation").asText()).get("status").asText())
          .isEqualTo("success");
      assertThat(Files.exists(host.dirs().guest(GuestName.of("web2")))).isFalse();

      // the list has them all; bad input is refused before any operation starts
      JsonNode list = UnixHttp.send(socket, "GET", "/1.0/operations", null).json();
      assertThat(list.size()).isGreaterThanOrEqualTo(7);
      for (String[] bad :
          new String[][] {
            {"GET", "/1.0/operations/nosuch", null, "404"},
            {"GET", "/1.0/operations/nosuch/wait", null, "404"},
            {"POST", "/1.0/operations", "{}", "405"},
            {
              "GET",
              "/1.0/operations/" + op.substring(op.lastIndexOf('/') + 1) + "/wait?timeout=x",
              null,
              "400"
            },
            {"PUT", "/1.0/guests/nosuch/state?async=true", "{\"action\":\"start\"}", "404"},
            {"PUT", "/1.0/guests/web/state?async=maybe", "{\"action\":\"start\"}", "400"},
            {"DELETE", "/1.0/guests/nosuch?async=true", null, "404"},
          }) {
        UnixHttp.Reply r = UnixHttp.send(socket, bad[0], bad[1], bad[2]);
        assertThat(r.status())
            .as("%s %s: %s", bad[0], bad[1], r.body())
            .isEqualTo(Integer.parseInt(bad[3]));
        assertThat(r.json().get("error").asText()).isNotBlank().doesNotContain("\n");
      }
      assertThat(UnixHttp.send(socket, "GET", "/1.0/operations", null).json().size())
          .isEqualTo(list.size());
      assertThat(host.guests().status(web).state()).isEqualTo(GuestStatus.State.STOPPED);
    }
  }

  private static JsonNode waitFor(Path socket, String operation) throws Exception {
    UnixHttp.Reply r = UnixHttp.send(socket, "GET", operation + "/wait?timeout=120", null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("status").asText()).as(r.body()).isNotEqualTo("running");
    return r.json();
  }
}
