package dev.jvs.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The host's apt sources (one-line sources.list format and deb822 *.sources), read so that a Debian
 * template comes from the mirror this host already trusts and reaches, never a hard-coded one.
 */
public final class AptSources {
  /** One "deb" source: a mirror URI and its suites. */
  public record Source(String uri, List<String> suites, List<String> components) {}

  private AptSources() {}

  /** Reads /etc/apt/sources.list and sources.list.d/*.list|*.sources under {@code etcApt}. */
  public static List<Source> read(Path etcApt) {
    List<Source> out = new ArrayList<>();
    try {
      Path main = etcApt.resolve("sources.list");
      if (Files.isRegularFile(main)) {
        out.addAll(parseList(Files.readString(main)));
      }
      Path d = etcApt.resolve("sources.list.d");
      if (Files.isDirectory(d)) {
        try (Stream<Path> s = Files.list(d)) {
          for (Path f : s.sorted().toList()) {
            String n = f.getFileName().toString();
            if (n.endsWith(".list")) {
              out.addAll(parseList(Files.readString(f)));
            } else if (n.endsWith(".sources")) {
              out.addAll(parseDeb822(Files.readString(f)));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new ImageException("cannot read apt sources in " + etcApt + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * The mirror for {@code suite}: a source listing exactly that suite, else the first source of a
   * plain release suite (no "-security"/"-updates") with component main.
   */
  public static String mirrorFor(String suite, List<Source> sources) {
    for (Source s : sources) {
      if (s.suites().contains(suite)) {
        return s.uri();
      }
    }
    for (Source s : sources) {
      if (s.components().contains("main")
          && s.suites().stream().anyMatch(x -> x.matches("[a-z]+"))) {
        return s.uri();
      }
    }
    throw new ImageException(
        "no Debian mirror for '"
            + suite
            + "' in the host's apt sources"
            + " (/etc/apt/sources.list, /etc/apt/sources.list.d)");
  }

  static List<Source> parseList(String text) {
    List<Source> out = new ArrayList<>();
    for (String raw : text.lines().toList()) {
      String line = raw.replaceAll("#.*", "").replaceAll("\\[[^]]*]", " ").strip();
      String[] f = line.split("\\s+");
      if (f.length >= 3 && f[0].equals("deb")) {
        out.add(
            new Source(
                trimSlash(f[1]), List.of(f[2]), List.of(Arrays.copyOfRange(f, 3, f.length))));
      }
    }
    return out;
  }

  static List<Source> parseDeb822(String text) {
    List<Source> out = new ArrayList<>();
    for (String stanza : text.split("\\n\\s*\\n")) {
      String types = "";
      String uris = "";
      String suites = "";
      String components = "";
      String enabled = "yes";
      for (String raw : stanza.lines().toList()) {
        if (raw.startsWith("#") || !raw.contains(":")) {
          continue;
        }
        String key = raw.substring(0, raw.indexOf(':')).strip().toLowerCase(Locale.ROOT);
        String value = raw.substring(raw.indexOf(':') + 1).strip();
        switch (key) {
          case "types" -> types = value;
          case "uris" -> uris = value;
          case "suites" -> suites = value;
          case "components" -> components = value;
          case "enabled" -> enabled = value;
          default -> {}
        }
      }
      if (!enabled.equalsIgnoreCase("no") && List.of(types.split("\\s+")).contains("deb")) {
        for (String uri : uris.split("\\s+")) {
          if (!uri.isEmpty()) {
            out.add(
                new Source(
                    trimSlash(uri),
                    List.of(suites.split("\\s+")),
                    List.of(components.split("\\s+"))));
          }
        }
      }
    }
    return out;
  }

  private static String trimSlash(String uri) {
    return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
  }
}
