package dev.jvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Issue 14, acceptance 8: the API's request parsers take any body. What they accept round-trips;
 * everything else is an {@link ApiException} with a 4xx status and a one-line message, the
 * {"error": …} a client gets. Nothing else escapes them (a 500 would mean a parser that trusted its
 * input).
 */
class RequestsPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final List<Function<byte[], Object>> PARSERS =
      List.of(
          Requests::stateChange,
          Requests::build,
          Requests::cloneTarget,
          Requests::exec,
          Requests::configPatch,
          Requests::templateSource);

  private static void parsesOrRefusesWithOneLine(byte[] body) {
    for (Function<byte[], Object> parser : PARSERS) {
      try {
        assertThat(parser.apply(body)).isNotNull();
      } catch (ApiException e) {
        assertThat(e.status()).isBetween(400, 499);
        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
      }
    }
  }

  @Property
  void anyBytesParseOrAreRefusedWithOneLine(@ForAll @Size(max = 300) byte[] body) {
    parsesOrRefusesWithOneLine(body);
  }

  @Property
  void anyJsonValueParsesOrIsRefusedWithOneLine(@ForAll("json") String body) {
    parsesOrRefusesWithOneLine(body.getBytes(StandardCharsets.UTF_8));
  }

  @Property
  void aStateChangeRoundTrips(
      @ForAll("actions") String action,
      @ForAll @IntRange(min = 0, max = 86_400_000) int timeoutMillis,
      @ForAll boolean force)
      throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("action", action);
    body.put("timeout", timeoutMillis / 1000.0);
    body.put("force", force);
    Requests.StateChange c = Requests.stateChange(JSON.writeValueAsBytes(body));
    assertThat(c.action().name()).isEqualToIgnoringCase(action);
    assertThat(c.timeout()).isEqualTo(Duration.ofMillis(timeoutMillis));
    assertThat(c.force()).isEqualTo(force);
  }

  @Property
  void aConfigPatchOfStringsIsTakenAsWritten(@ForAll("patches") Map<String, String> patch)
      throws Exception {
    assertThat(Requests.configPatch(JSON.writeValueAsBytes(patch))).containsExactlyEntriesOf(patch);
  }

  @Property
  void aGuestNameFromAPathIsValidOrABadRequest(@ForAll("names") String name) {
    try {
      assertThat(ApiRoutes.name(name).value()).isEqualTo(name);
    } catch (ApiException e) {
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.getMessage()).doesNotContain("\n");
    }
  }

  @Provide
  Arbitrary<String> actions() {
    return Arbitraries.of("start", "stop", "restart");
  }

  @Provide
  Arbitrary<Map<String, String>> patches() {
    return Arbitraries.maps(
            Arbitraries.strings().ofMinLength(1).ofMaxLength(20),
            Arbitraries.strings().ofMaxLength(30))
        .ofMinSize(1)
        .ofMaxSize(5);
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(70),
        Arbitraries.strings().withChars("abc-._/0\\n ").ofMaxLength(12),
        Arbitraries.of("..", ".", "", "web1", "a/../b", "-x", "x".repeat(300)));
  }

  /** JSON text: objects with the fields the parsers know and others, values of every type. */
  @Provide
  Arbitrary<String> json() {
    Arbitrary<String> field =
        Arbitraries.oneOf(
            Arbitraries.of(
                "action",
                "timeout",
                "force",
                "name",
                "template",
                "command",
                "stdin",
                "from",
                "import",
                "memory.rss",
                "cpu.share"),
            Arbitraries.strings().ofMaxLength(8));
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.of(
                "null",
                "true",
                "false",
                "0",
                "-1",
                "1e309",
                "NaN",
                "[]",
                "{}",
                "[\"/bin/sh\"]",
                "[1,2]",
                "\"start\"",
                "\"stop\"",
                "\"\"",
                "\"/abs/path\"",
                "\"rel\"",
                "{\"a\":1}",
                "18446744073709551616",
                "-0.5"),
            Arbitraries.strings().ofMaxLength(10).map(s -> quote(s)));
    Arbitrary<String> member = field.flatMap(f -> value.map(v -> quote(f) + ":" + v));
    Arbitrary<String> object = member.list().ofMaxSize(6).map(m -> "{" + String.join(",", m) + "}");
    return Arbitraries.oneOf(object, value, object.map(o -> o + "x"), object.map(o -> o + o));
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
