package dev.jvs.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvs.api.ApiServer;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.testing.TestHost;
import dev.jvs.testing.UnixHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Templates through the REST API (docs/api.md): list, build, import of an OCI layout from a host
 * path, remove; bad requests refused with one line and no template left behind.
 */
@Tag("kernel")
class TemplatesApiIT {
  @Test
  void templatesAreBuiltImportedListedAndRemoved() throws Exception {
    try (TestHost host = new TestHost();
        ApiServer api =
            ApiServer.start(
                host.guests(),
                CgroupDriver.detect(),
                null,
                Duration.ofMillis(200),
                Map.of(),
                line -> {})) {
      Path socket = api.socket();
      UnixHttp.Reply bb =
          UnixHttp.send(socket, "POST", "/1.0/templates", "{\"name\":\"bb\",\"from\":\"busybox\"}");
      assertThat(bb.status()).as(bb.body()).isEqualTo(201);
      assertThat(bb.json().get("name").asText()).isEqualTo("bb");

      Path layout =
          TestImages.ociLayout(
              host.base().resolve("oci"),
              OciImportKernelTest.layers(host),
              OciImportKernelTest.PROCESS);
      UnixHttp.Reply imported =
          UnixHttp.send(
              socket,
              "POST",
              "/1.0/templates?async=true",
              "{\"name\":\"img\",\"import\":\"" + layout + "\"}");
      assertThat(imported.status()).as(imported.body()).isEqualTo(202);
      JsonNode op =
          UnixHttp.send(
                  socket,
                  "GET",
                  imported.json().get("operation").asText() + "/wait?timeout=120",
                  null)
              .json();
      assertThat(op.get("status").asText()).as(op.toString()).isEqualTo("success");
      assertThat(op.get("description").asText()).isEqualTo("import template img");
      UnixHttp.Reply img = UnixHttp.send(socket, "GET", "/1.0/templates/img", null);
      assertThat(img.status()).isEqualTo(200);
      assertThat(img.json().get("image_config").asBoolean()).isTrue();
      OciImportKernelTest.assertLayersApplied(new Templates(host.dirs().templates()).rootfs("img"));

      JsonNode list = UnixHttp.send(socket, "GET", "/1.0/templates", null).json();
      assertThat(list.findValuesAsText("name")).contains("bb", "img");

      for (String bad :
          new String[] {
            "{\"name\":\"x\"}",
            "{\"name\":\"x\",\"from\":\"busybox\",\"import\":\"/tmp\"}",
            "{\"name\":\"x\",\"import\":\"relative/path\"}",
            "{\"name\":\"../x\",\"from\":\"busybox\"}",
            "{\"name\":\"x\",\"from\":\"nosuch:thing\"}",
            "{\"name\":\"x\",\"import\":\"" + host.base().resolve("missing.tar") + "\"}",
            "{\"name\":\"x\",\"from\":7}",
          }) {
        UnixHttp.Reply r = UnixHttp.send(socket, "POST", "/1.0/templates", bad);
        assertThat(r.status()).as("%s: %s", bad, r.body()).isBetween(400, 499);
        assertThat(r.json().get("error").asText()).isNotBlank().doesNotContain("\n");
      }
      assertThat(Files.exists(host.dirs().templates().resolve("x"))).isFalse();

      // in use: refused; once its guest is gone: removed
      assertThat(
              UnixHttp.send(socket, "POST", "/1.0/guests", "{\"name\":\"g\",\"template\":\"img\"}")
                  .status())
          .isEqualTo(201);
      UnixHttp.Reply inUse = UnixHttp.send(socket, "DELETE", "/1.0/templates/img", null);
      assertThat(inUse.status()).as(inUse.body()).isEqualTo(409);
      assertThat(UnixHttp.send(socket, "DELETE", "/1.0/guests/g", null).status()).isEqualTo(200);
      assertThat(UnixHttp.send(socket, "DELETE", "/1.0/templates/img", null).status())
          .isEqualTo(200);
      assertThat(UnixHttp.send(socket, "GET", "/1.0/templates/img", null).status()).isEqualTo(404);
      assertThat(UnixHttp.send(socket, "DELETE", "/1.0/templates/bb", null).status())
          .isEqualTo(200);
    }
  }
}
