package dev.jvs.kernel;

import java.util.Locale;
import java.util.Map;

/** Signal numbers (x86_64) and their names, for config values like stop.signal=SIGTERM. */
public final class Signal {
  public static final int SIGHUP = 1;
  public static final int SIGINT = 2;
  public static final int SIGQUIT = 3;
  public static final int SIGKILL = 9;
  public static final int SIGUSR1 = 10;
  public static final int SIGUSR2 = 12;
  public static final int SIGTERM = 15;
  public static final int SIGCONT = 18;
  public static final int SIGSTOP = 19;
  public static final int SIGTSTP = 20;
  public static final int SIGTTIN = 21;
  public static final int SIGTTOU = 22;
  public static final int SIGPWR = 30;

  private static final Map<String, Integer> BY_NAME =
      Map.ofEntries(
          Map.entry("HUP", SIGHUP),
          Map.entry("INT", SIGINT),
          Map.entry("QUIT", SIGQUIT),
          Map.entry("KILL", SIGKILL),
          Map.entry("USR1", SIGUSR1),
          Map.entry("USR2", SIGUSR2),
          Map.entry("TERM", SIGTERM),
          Map.entry("CONT", SIGCONT),
          Map.entry("STOP", SIGSTOP),
          Map.entry("TSTP", SIGTSTP),
          Map.entry("TTIN", SIGTTIN),
          Map.entry("TTOU", SIGTTOU),
          Map.entry("PWR", SIGPWR));

  private Signal() {}

  /** Parses "SIGTERM", "TERM" or "15". */
  public static int parse(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT);
    if (t.matches("[0-9]+")) {
      int n = Integer.parseInt(t);
      if (n >= 1 && n <= 64) {
        return n;
      }
    }
    Integer n = BY_NAME.get(t.startsWith("SIG") ? t.substring(3) : t);
    if (n == null) {
      throw new IllegalArgumentException("unknown signal '" + text + "'");
    }
    return n;
  }

  public static String name(int signal) {
    return BY_NAME.entrySet().stream()
        .filter(e -> e.getValue() == signal)
        .map(e -> "SIG" + e.getKey())
        .findFirst()
        .orElse(Integer.toString(signal));
  }
}
