package dev.jvs.net;

import java.util.Locale;
import java.util.regex.Pattern;

/** A bandwidth in bits per second, written as tc writes it: 500kbit, 20mbit, 1gbit. */
public final class Rate {
  private static final Pattern RATE = Pattern.compile("(\\d{1,9})(bit|kbit|mbit|gbit)");

  private Rate() {}

  public static long parse(String s) {
    var m = RATE.matcher(s.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "malformed rate '"
              + s
              + "' (expected a number with bit, kbit, mbit or gbit, e.g. 20mbit)");
    }
    long n = Long.parseLong(m.group(1));
    long bits =
        switch (m.group(2)) {
          case "kbit" -> n * 1_000L;
          case "mbit" -> n * 1_000_000L;
          case "gbit" -> n * 1_000_000_000L;
          default -> n;
        };
    if (bits < 8_000) {
      throw new IllegalArgumentException("rate '" + s + "' is below 8kbit");
    }
    return bits;
  }

  /** The value for tc: plain bits per second. */
  public static String tc(long bits) {
    return bits + "bit";
  }
}
