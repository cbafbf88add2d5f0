package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.config.ConfigFile;
import dev.jvs.testing.TestHost;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Who may use the REST API (docs/api.md, "Access"): on TCP only HTTPS with a trusted client's token
 * (`jvs trust add|list|remove`), revocation seen by the running service, a refused request changes
 * nothing on disk; the certificate made on first start and its fingerprint printed; oversized
 * bodies refused; the unix socket root's, or root's and an opted-in group's.
 */
@Tag("kernel")
class ApiAccessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern FINGERPRINT = Pattern.compile("certificate SHA-256 ([0-9A-F:]{95})");

  @Test
  void onlyTrustedTokensActOverHttps() throws Exception {
    try (TestHost host = new TestHost()) {
      int port = PinnedHttps.freePort();
      String listen = "127.0.0.1:" + port;
      GuestName web1 = GuestName.of("web1");
      String fingerprint;
      try (TestService service = TestService.start(host, "--listen", listen)) {
        Matcher m = FINGERPRINT.matcher(service.logText());
        assertThat(m.find()).as(service.logText()).isTrue();
        fingerprint = m.group(1);
        assertThat(host.dirs().root().resolve("api/jvs-api.p12")).exists();

        assertThat(TestService.jvs(host, "build", "web1").code()).isZero();
        TestService.Result added = TestService.jvs(host, "trust", "add", "laptop");
        assertThat(added.code()).as(added.err()).isZero();
        String token = added.out().strip();
        assertThat(token).startsWith("jvs_").hasSizeGreaterThan(30);
        // only a hash is kept
        String stored = Files.readString(host.dirs().root().resolve("trust/laptop.sha256"));
        assertThat(stored).doesNotContain(token);
        assertThat(TestService.jvs(host, "trust", "list").out().lines().toList())
            .containsExactly("laptop");
        TestService.Result again = TestService.jvs(host, "trust", "add", "laptop");
        assertThat(again.code()).isNotZero();
        assertThat(again.err().strip()).contains("laptop").doesNotContain("\n");

        PinnedHttps https = new PinnedHttps(listen, fingerprint);
        Path conf = host.dirs().guest(web1).resolve(ConfigFile.FILE_NAME);
        byte[] confBefore = Files.readAllBytes(conf);
        String start = "{\"action\":\"start\"}";
        for (String bad : new String[] {null, "", "jvs_wrong", token + "x"}) {
          for (String[] req :
              new String[][] {
                {"PUT", "/1.0/guests/web1/state", start},
                {"PATCH", "/1.0/guests/web1/config", "{\"pids.max\":77}"},
                {"DELETE", "/1.0/guests/web1?force=true", null},
                {"GET", "/1.0/guests", null},
              }) {
            HttpResponse<String> r = https.send(req[0], req[1], bad, req[2]);
            assertThat(r.statusCode())
                .as("%s %s with %s: %s", req[0], req[1], bad, r.body())
                .isEqualTo(401);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
          }
        }
        assertThat(host.guests().status(web1).state()).isEqualTo(GuestStatus.State.STOPPED);
        assertThat(Files.readAllBytes(conf)).isEqualTo(confBefore);

        // a valid token works
        HttpResponse<String> list = https.send("GET", "/1.0/guests", token, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(list.body()).get(0).get("name").asText()).isEqualTo("web1");
        HttpResponse<String> started = https.send("PUT", "/1.0/guests/web1/state", token, start);
        assertThat(started.statusCode()).as(started.body()).isBetween(200, 299);
        awaitState(host, web1, GuestStatus.State.RUNNING);

        // over the size limit: 413, config as it was
        String huge = "{\"pids.max\":\"" + "9".repeat((1 << 20) + 10) + "\"}";
        HttpResponse<String> big = https.send("PATCH", "/1.0/guests/web1/config", token, huge);
        assertThat(big.statusCode()).as(big.body()).isEqualTo(413);
        assertThat(Files.readAllBytes(conf)).isEqualTo(confBefore);

        // revoked: refused at once by the running service, the guest left running
        assertThat(TestService.jvs(host, "trust", "remove", "laptop").code()).isZero();
        assertThat(TestService.jvs(host, "trust", "list").out()).isEmpty();
        HttpResponse<String> revoked =
            https.send("PUT", "/1.0/guests/web1/state", token, "{\"action\":\"stop\"}");
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(host.guests().status(web1).state()).isEqualTo(GuestStatus.State.RUNNING);
        TestService.Result gone = TestService.jvs(host, "trust", "remove", "laptop");
        assertThat(gone.code()).isNotZero();
        assertThat(gone.err()).contains("no such client");
        https.client.close();
      }
      // the certificate is kept: the same fingerprint after a restart
      try (TestService again = TestService.start(host, "--listen", listen)) {
        Matcher m = FINGERPRINT.matcher(again.logText());
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo(fingerprint);
      }
    }
  }

  @Test
  void theSocketIsRootsOrAlsoAnOptedInGroups() throws Exception {
    String group = "jvstest" + ProcessHandle.current().pid();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvs-it-sock-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    try (TestHost host = new TestHost()) {
      Path rootOnly = host.dirs().run().resolve("jvs.sock");
      try (TestService service = TestService.start(host)) {
        assertThat(Files.getPosixFilePermissions(rootOnly))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      }
      assertThat(run(List.of("groupadd", "--system", group))).isZero();
      try {
        Path socket = dir.resolve("jvs.sock");
        try (TestService service =
            TestService.start(
                host.env(), socket, host.base(), "--socket", socket.toString(), "--group", group)) {
          PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class);
          assertThat(a.permissions()).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
          assertThat(a.group().getName()).isEqualTo(group);
          assertThat(a.owner().getName()).isEqualTo("root");
          // a member (nobody with the group) gets the API; nobody without it cannot connect
          assertThat(curlAs(group, socket)).isEqualTo("200");
          assertThat(curlAs("nogroup", socket)).isEqualTo("000");
        }
        TestService.Result noGroup =
            TestService.run(
                host.env(),
                host.base(),
                null,
                List.of(
                    TestService.client().toString(),
                    "serve",
                    "--socket",
                    dir.resolve("other.sock").toString(),
                    "--group",
                    "jvsnosuchgroup"),
                60);
        assertThat(noGroup.code()).isNotZero();
        assertThat(noGroup.out() + noGroup.err()).contains("--group jvsnosuchgroup: no such group");
      } finally {
        run(List.of("groupdel", group));
      }
    } finally {
      Files.deleteIfExists(dir.resolve("jvs.sock"));
      Files.deleteIfExists(dir);
    }
  }

  private static void awaitState(TestHost host, GuestName g, GuestStatus.State want)
      throws InterruptedException {
    for (int i = 0; i < 300 && host.guests().status(g).state() != want; i++) {
      Thread.sleep(50);
    }
    assertThat(host.guests().status(g).state()).isEqualTo(want);
  }

  /** curl as uid nobody with {@code group} as its only group: the HTTP status, 000 if refused. */
  private static String curlAs(String group, Path socket) throws Exception {
    Process p =
        new ProcessBuilder(
                "setpriv",
                "--reuid=nobody",
                "--regid=" + group,
                "--clear-groups",
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--unix-socket",
                socket.toString(),
                "http://jvs/1.0/guests")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    p.waitFor();
    return out;
  }

  private static int run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    return p.waitFor();
  }
}
