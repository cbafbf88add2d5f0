package dev.jvs.guest.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.base.JvsException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Issue 15, acceptance 7: guest.conf from any text - every known key with values from the edges of
 * their types, unknown keys, random lines. It parses, or fails with a {@link ConfigException}: one
 * line naming the file and line (docs/guest-config.md). Nothing else escapes the parser.
 */
class ConfigFuzzTest {
  private static final List<String> KEYS = keys();

  private final ConfigFile file = new ConfigFile(new ResourceValidator(4));

  @Property
  void anyGuestConfParsesOrFailsWithOneLineNamingTheFile(@ForAll("files") List<String> lines) {
    try {
      assertThat(file.parse("/var/lib/jvs/guests/g/guest.conf", lines, "g")).isNotNull();
    } catch (ConfigException e) {
      assertThat(e.getMessage())
          .startsWith("/var/lib/jvs/guests/g/guest.conf:")
          .doesNotContain("\n");
    } catch (JvsException e) {
      throw new AssertionError("not a ConfigException naming the file: " + e, e);
    }
  }

  @Provide
  Arbitrary<List<String>> files() {
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.of(
                "",
                "0",
                "-1",
                "1",
                "4",
                "99999999999999999999",
                "9223372036854775807",
                "-9223372036854775808",
                "1e9",
                "0x10",
                "NaN",
                "1.5",
                "512M",
                "1G",
                "1T",
                "99999999999T",
                "1k",
                "10%",
                "200%",
                "-5%",
                "%",
                "max",
                "true",
                "false",
                "yes",
                "0-3",
                "3-0",
                "0,1,2",
                "0-99999",
                "1s",
                "500ms",
                "-1s",
                "99999999999999s",
                "SIGTERM",
                "SIGKILL",
                "SIGNOPE",
                "64",
                "0",
                "CAP_SYS_ADMIN",
                "sys_admin",
                "CAP_NOPE",
                "ALL",
                "busybox",
                "../etc",
                "a/b",
                "/bin/sh -c 'x",
                "\"",
                "'",
                "sh -c \"echo hi\"",
                "\u00fc",
                "a\tb",
                "bridge",
                "host",
                "host-ip",
                "none",
                "10.0.0.1",
                "8080:80",
                "70000:80",
                "0:0",
                "80",
                "eth0",
                "jvs0",
                "x".repeat(300)),
            Arbitraries.strings().ofMaxLength(20));
    Arbitrary<String> key =
        Arbitraries.oneOf(
            Arbitraries.of(KEYS), Arbitraries.strings().alpha().numeric().withChars('.', '-'));
    Arbitrary<String> assignment =
        Combinators.combine(key, Arbitraries.of(" = ", "=", " =", "= "), value)
            .as((k, eq, v) -> k + eq + v);
    Arbitrary<String> line =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, assignment),
            net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(30)),
            net.jqwik.api.Tuple.of(1, Arbitraries.of("# comment", "", "=", "= x", "  =  ")));
    return line.list().ofMaxSize(12);
  }

  private static List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (ResourceKey k : ResourceKey.values()) {
      keys.add(k.key());
    }
    keys.addAll(
        List.of(
            "template",
            "init",
            "hostname",
            "stop.signal",
            "stop.timeout",
            "caps.add",
            "caps.drop",
            "boot.autostart",
            "boot.order",
            "boot.delay",
            "scripts.timeout"));
    return keys;
  }
}
