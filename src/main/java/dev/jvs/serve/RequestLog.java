package dev.jvs.serve;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The line the service logs for each request it ran to the end, "#N FRONT ARGS -> CODE (T ms)"
 * after the log's timestamp, and those lines read back: how a benchmark knows its calls were run by
 * the service, not by a JVM of their own (a fallback's line says "-> its own JVM").
 */
public final class RequestLog {
  private static final Pattern RAN =
      Pattern.compile("\\S+ #\\d+ (\\S+) (.*) -> (-?\\d+) \\([0-9.]+ ms\\)");

  private RequestLog() {}

  /** A request the service ran: its front-end (jvs, jvs-oci), arguments and exit status. */
  public record Ran(String front, String args, int code) {
    /** The verb: the first argument, or "" for none. */
    public String verb() {
      int space = args.indexOf(' ');
      return space < 0 ? args : args.substring(0, space);
    }
  }

  /** The line for request {@code what} ("#N FRONT ARGS") that ended with {@code code}. */
  static String ran(String what, int code, long nanos) {
    // Locale.ROOT: the reader's pattern expects "40.5", not a locale's "40,5"
    return String.format(Locale.ROOT, "%s -> %d (%.1f ms)", what, code, nanos / 1e6);
  }

  /** The requests the service ran to the end, as its log {@code text} has them. */
  public static List<Ran> ran(String text) {
    return text.lines()
        .map(RAN::matcher)
        .filter(Matcher::matches)
        .map(m -> new Ran(m.group(1), m.group(2), Integer.parseInt(m.group(3))))
        .toList();
  }
}
