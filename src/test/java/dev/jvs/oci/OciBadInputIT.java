package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Bad input gives runc's errors (exit 1, one line) and leaves nothing behind. */
@Tag("kernel")
class OciBadInputIT {
  private static void assertFails(OciTestHost host, OciTestHost.Bundle b, String id, String text) {
    OciTestHost.Result r = host.oci("create", "--bundle", b.dir().toString(), id);
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err().replace("\\\"", "\"")).contains(text).contains("level=error");
    assertThat(host.stateLeft()).as("state left by a failed create").isEmpty();
    assertThat(host.leftovers()).as("host objects left by a failed create").isEmpty();
  }

  @Test
  void malformedConfigUnknownFieldsAndNamespaces() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("bad", "true");
      Files.writeString(
          b.dir().resolve("config.json"), "{\"ociVersion\": \"1.2.0\", \"process\": {");
      assertFails(host, b, "bad", "malformed JSON");

      OciTestHost.Bundle u = host.bundle("unknown", "true");
      u.linux().putObject("intelRdt").put("closID", "x");
      u.save();
      assertFails(host, u, "unknown", "unsupported field 'linux.intelRdt'");

      OciTestHost.Bundle n = host.bundle("ns", "true");
      ((ArrayNode) n.linux().get("namespaces")).addObject().put("type", "foo");
      n.save();
      assertFails(host, n, "ns", "namespace {\"foo\" \"\"} does not exist");

      OciTestHost.Bundle r = host.bundle("res", "true");
      r.linux().putObject("resources").putObject("cpu").put("realtimeRuntime", 950000);
      r.save();
      assertFails(host, r, "res", "linux.resources.cpu.realtimeRuntime is not supported");
    }
  }

  @Test
  void missingRootfsMissingProgramAndFailingMount() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("noroot", "true");
      ((ObjectNode) b.config().get("root")).put("path", "nope");
      b.save();
      assertFails(host, b, "noroot", "invalid rootfs: stat " + b.dir().resolve("nope"));

      OciTestHost.Bundle p = host.bundle("noprog", "no-such-program");
      assertFails(
          host, p, "noprog", "exec: \"no-such-program\": executable file not found in $PATH");

      // fails inside jvs-init: the launch program's failing operation is named
      OciTestHost.Bundle m = host.bundle("mnt", "true");
      ((ArrayNode) m.config().get("mounts"))
          .addObject()
          .put("destination", "/x")
          .put("type", "nosuchfs")
          .put("source", "none");
      m.save();
      // named as the container sees it: the mount lands inside its root, wherever that is
      assertFails(host, m, "mnt", "mount nosuchfs on /x: No such device");
    }
  }

  @Test
  void duplicateIdIsRefusedAndTheFirstContainerIsUntouched() {
    try (OciTestHost host = new OciTestHost()) {
      OciTestHost.Bundle b = host.bundle("dup", "sleep", "1000");
      host.ok("create", "--bundle", b.dir().toString(), "dup");
      OciTestHost.Result r = host.oci("create", "--bundle", b.dir().toString(), "dup");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("container with id exists: dup");
      assertThat(host.status("dup")).isEqualTo("created");
      assertThat(host.oci("create", "--bundle", b.dir().toString(), "../x").err())
          .contains("invalid container id format");
      host.ok("delete", "--force", "dup");
    }
  }

  @Test
  void corruptStateIsReportedAndDeleteRemovesIt() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      Path dir = Files.createDirectories(host.root.resolve("broken"));
      Files.writeString(dir.resolve("state.json"), "garbage");
      OciTestHost.Result r = host.oci("state", "broken");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("container broken: corrupt state");
      assertThat(host.ok("list").out()).doesNotContain("broken");
      host.ok("delete", "broken");
      assertThat(Files.exists(dir)).isFalse();
      assertThat(host.oci("state", "nothere").err()).contains("container does not exist");
    }
  }

  @Test
  void errorsGoToTheJsonLogAsContainerdReadsThem() throws Exception {
    try (OciTestHost host = new OciTestHost()) {
      Path log = host.base.resolve("log.json");
      OciTestHost.Result r =
          host.oci("--log", log.toString(), "--log-format", "json", "state", "x");
      assertThat(r.code()).isEqualTo(1);
      var entry = OciTestHost.JSON.readTree(Files.readAllLines(log).getLast());
      assertThat(entry.get("level").asText()).isEqualTo("error");
      assertThat(entry.get("msg").asText()).isEqualTo("container does not exist");
    }
  }
}
