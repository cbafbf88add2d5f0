package dev.jvs.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvs.base.JvsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 15, acceptance 7: a bundle's config.json with any field replaced by any JSON value, or cut
 * anywhere, or not JSON at all. Reading and validating it gives an {@link OciConfig} or an {@link
 * OciException}: one line naming config.json where the reader fails. Nothing else escapes.
 */
class OciConfigFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static Path bundle;

  @BeforeContainer
  static void bundle() throws IOException {
    bundle = Files.createTempDirectory(Path.of("/tmp"), "jvs-fuzz-oci-");
  }

  @AfterContainer
  static void removeBundle() throws IOException {
    Files.deleteIfExists(bundle.resolve("config.json"));
    Files.deleteIfExists(bundle);
  }

  /** A config the reader takes, with every part of the spec jvs reads. */
  private static final String VALID =
      """
      {"ociVersion": "1.2.0",
       "process": {"terminal": false, "user": {"uid": 0, "gid": 0, "additionalGids": [1]},
         "args": ["sh"], "env": ["PATH=/bin"], "cwd": "/",
         "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"]},
         "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
         "noNewPrivileges": true, "oomScoreAdj": 0},
       "root": {"path": "rootfs", "readonly": true},
       "hostname": "c1",
       "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
         {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m"]}],
       "hooks": {"prestart": [{"path": "/bin/true", "args": ["true"], "timeout": 1}]},
       "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}],
         "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
         "resources": {"memory": {"limit": 1048576}, "cpu": {"shares": 512, "quota": 1000,
           "period": 100000, "cpus": "0"}, "pids": {"limit": 10},
           "devices": [{"allow": false, "access": "rwm"}]},
         "sysctl": {"net.ipv4.ip_forward": "0"},
         "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
         "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kexec_load"],
           "action": "SCMP_ACT_ERRNO"}]}}}
      """;

  @Property
  void anyFieldReplacedReadsOrFailsWithOneLine(
      @ForAll("replacements") List<Replacement> replacements) throws IOException {
    JsonNode tree = JSON.readTree(VALID);
    for (Replacement r : replacements) {
      tree = replace(tree, r.at(), r.value());
    }
    check(JSON.writeValueAsString(tree));
  }

  /** Found by the property above: a null rlimits entry, or one without a type (was an NPE). */
  @Example
  void anRlimitWithoutATypeFailsWithOneLine() throws IOException {
    for (String rlimits : List.of("[null]", "[{\"type\": null}]")) {
      ObjectNode tree = (ObjectNode) JSON.readTree(VALID);
      ((ObjectNode) tree.get("process")).set("rlimits", JSON.readTree(rlimits));
      Files.writeString(bundle.resolve("config.json"), JSON.writeValueAsString(tree));
      assertThatThrownBy(() -> OciValidator.check(OciConfigReader.readBundle(bundle)))
          .as(rlimits)
          .isInstanceOf(OciException.class)
          .hasMessage("invalid rlimit type null");
    }
  }

  @Property
  void anyCutOrGarbageReadsOrFailsWithOneLine(
      @ForAll("cuts") int cut, @ForAll("garbage") String garbage) throws IOException {
    check(VALID.substring(0, Math.min(cut, VALID.length())) + garbage);
  }

  private static void check(String text) throws IOException {
    Files.writeString(bundle.resolve("config.json"), text);
    try {
      OciConfig c = OciConfigReader.readBundle(bundle);
      OciValidator.check(c);
    } catch (OciException e) {
      assertThat(e.getMessage()).as(text).isNotBlank().doesNotContain("\n");
    } catch (JvsException e) {
      throw new AssertionError("not an OciException: " + e + " for " + text, e);
    }
  }

  /**
   * Replace the node reached by walking {@code at} (indexes into objects' and arrays' children).
   */
  record Replacement(List<Integer> at, JsonNode value) {}

  private static JsonNode replace(JsonNode node, List<Integer> at, JsonNode value) {
    if (at.isEmpty() || !node.isContainerNode() || node.isEmpty()) {
      return value;
    }
    int i = Math.floorMod(at.getFirst(), node.size());
    List<Integer> rest = at.subList(1, at.size());
    if (node instanceof ObjectNode o) {
      String name = new ArrayList<>(o.properties()).get(i).getKey();
      o.set(name, replace(o.get(name), rest, value));
    } else if (node instanceof ArrayNode a) {
      a.set(i, replace(a.get(i), rest, value));
    }
    return node;
  }

  @Provide
  Arbitrary<List<Replacement>> replacements() {
    Arbitrary<JsonNode> value =
        Arbitraries.oneOf(
            Arbitraries.just(NODES.nullNode()),
            Arbitraries.of(true, false).map(NODES::booleanNode),
            Arbitraries.of(
                    0L, -1L, 1L, 65536L, 4294967295L, 4294967296L, Long.MAX_VALUE, Long.MIN_VALUE)
                .map(NODES::numberNode),
            Arbitraries.of(1.5, -0.0, 1e308).map(NODES::numberNode),
            Arbitraries.oneOf(
                    Arbitraries.strings().ofMaxLength(12),
                    Arbitraries.of(
                        "",
                        "/",
                        "..",
                        "../../etc",
                        "/proc/self/fd/0",
                        "CAP_NOPE",
                        "RLIMIT_NOPE",
                        "SCMP_ACT_NOPE",
                        "user",
                        "cgroup",
                        "time",
                        "a\u0000b",
                        "x".repeat(5000)))
                .map(NODES::textNode),
            Arbitraries.just(NODES.arrayNode()),
            Arbitraries.just(NODES.objectNode()),
            Arbitraries.strings().alpha().ofMaxLength(6).map(s -> NODES.objectNode().put(s, 1)),
            Arbitraries.strings().ofMaxLength(6).map(s -> NODES.arrayNode().add(s).add(7)));
    Arbitrary<List<Integer>> at = Arbitraries.integers().between(0, 40).list().ofMaxSize(5);
    return Combinators.combine(at, value).as(Replacement::new).list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<Integer> cuts() {
    return Arbitraries.integers().between(0, VALID.length());
  }

  @Provide
  Arbitrary<String> garbage() {
    return Arbitraries.oneOf(
        Arbitraries.just(""),
        Arbitraries.strings().ofMaxLength(20),
        Arbitraries.of("}", "]}", "\"", "{", "[", "\u0000", "\uFFFF", "{\"a\":", "1e99999"));
  }
}
