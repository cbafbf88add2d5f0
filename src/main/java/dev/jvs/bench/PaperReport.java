package dev.jvs.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * DIR/report.md and DIR/report.html from every finished experiment in DIR: each measured figure
 * next to the paper's claim, with a plain verdict, then the experiment's plots and notes.
 */
final class PaperReport {
  private final Path dir;

  PaperReport(Path dir) {
    this.dir = dir;
  }

  /** Writes both files; experiments not finished in DIR are listed as missing. */
  Path write(List<PaperExperiment> experiments) {
    ObjectMapper json =
        new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    List<PaperBench.Stored> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (PaperExperiment e : experiments) {
      Path f = PaperBench.claimsFile(dir, e.name());
      if (!Files.exists(f)) {
        missing.add(e.name());
        continue;
      }
      try {
        found.add(json.readValue(f.toFile(), PaperBench.Stored.class));
      } catch (IOException ex) {
        throw new UncheckedIOException(f + ": " + ex.getMessage(), ex);
      }
    }
    Path md = dir.resolve("report.md");
    try {
      Files.writeString(md, markdown(found, missing));
      Files.writeString(dir.resolve("report.html"), html(found, missing));
    } catch (IOException ex) {
      throw new UncheckedIOException(md + ": " + ex.getMessage(), ex);
    }
    return md;
  }

  private static String markdown(List<PaperBench.Stored> found, List<String> missing) {
    StringBuilder s = new StringBuilder("# jvs against the paper's evaluation\n\n");
    s.append(summary(found));
    for (PaperBench.Stored e : found) {
      s.append("\n## ").append(e.name()).append(": ").append(e.title()).append("\n\n");
      s.append("Measured on ").append(e.machine().describe()).append(".\n\n");
      if (!e.claims().isEmpty()) {
        s.append("| figure | measured [95 % CI] | paper / goal | verdict |\n");
        s.append("|---|---|---|---|\n");
        for (Claim c : e.claims()) {
          s.append(
              String.format(
                  "| %s | %s | %s | %s |%n", c.row(), c.figure(), c.claim(), c.verdict()));
        }
        s.append('\n');
      }
      for (String fig : e.figures()) {
        // SVG: text, which docs/evaluation/ can carry as it is (the PNG beside it is for viewers)
        s.append("![").append(fig).append("](").append(fig).append(".svg)\n\n");
      }
      e.notes().forEach(n -> s.append("- ").append(n).append('\n'));
    }
    if (!missing.isEmpty()) {
      s.append("\nNot run yet in this directory: ").append(String.join(", ", missing)).append('\n');
    }
    return s.toString();
  }

  /** How many figures meet their claim, which fall behind, and which could not be measured. */
  private static String summary(List<PaperBench.Stored> found) {
    List<Claim> all = found.stream().flatMap(e -> e.claims().stream()).toList();
    List<Claim> unmeasured = all.stream().filter(c -> !Double.isFinite(c.measured())).toList();
    List<Claim> behind =
        all.stream().filter(c -> Double.isFinite(c.measured()) && !c.met()).toList();
    StringBuilder s =
        new StringBuilder(
            String.format(
                "%d of %d figures meet the paper's claim or the issue's goal, %d fall behind%s.%n",
                all.size() - behind.size() - unmeasured.size(),
                all.size(),
                behind.size(),
                unmeasured.isEmpty() ? "" : ", " + unmeasured.size() + " could not be measured"));
    if (!behind.isEmpty()) {
      s.append("\njvs is behind on:\n\n");
      behind.forEach(
          c ->
              s.append(
                  String.format(
                      "- %s / %s: %s against %s%n",
                      c.experiment(), c.row(), c.figure(), c.claim())));
    }
    return s.toString();
  }

  private static String html(List<PaperBench.Stored> found, List<String> missing) {
    StringBuilder s =
        new StringBuilder(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>jvs evaluation</title>\n"
                + "<style>body{font-family:sans-serif;max-width:1000px;margin:auto}"
                + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
                + ".behind{color:#b00}</style></head><body>\n"
                + "<h1>jvs against the paper's evaluation</h1>\n");
    s.append("<p>").append(esc(summary(found)).replace("\n", "<br>\n")).append("</p>\n");
    for (PaperBench.Stored e : found) {
      s.append("<h2>").append(esc(e.name() + ": " + e.title())).append("</h2>\n");
      s.append("<p>Measured on ").append(esc(e.machine().describe())).append(".</p>\n");
      if (!e.claims().isEmpty()) {
        s.append(
            "<table><tr><th>figure</th><th>measured [95 % CI]</th><th>paper / goal</th>"
                + "<th>verdict</th></tr>\n");
        for (Claim c : e.claims()) {
          s.append(
              String.format(
                  "<tr%s><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>%n",
                  c.met() ? "" : " class=\"behind\"",
                  esc(c.row()),
                  esc(c.figure()),
                  esc(c.claim()),
                  esc(c.verdict())));
        }
        s.append("</table>\n");
      }
      for (String fig : e.figures()) {
        s.append("<p><img src=\"").append(esc(fig)).append(".svg\" alt=\"").append(esc(fig));
        s.append("\"></p>\n");
      }
      if (!e.notes().isEmpty()) {
        s.append("<ul>\n");
        e.notes().forEach(n -> s.append("<li>").append(esc(n)).append("</li>\n"));
        s.append("</ul>\n");
      }
    }
    if (!missing.isEmpty()) {
      s.append("<p>Not run yet in this directory: ")
          .append(esc(String.join(", ", missing)))
          .append("</p>\n");
    }
    return s.append("</body></html>\n").toString();
  }

  private static String esc(String t) {
    return t.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
