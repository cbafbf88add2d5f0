package dev.jvs.cgroup;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses the kernel's flat-keyed files ("key value" per line: cpu.stat, memory.events,
 * memory.oom_control, memory.stat, pids.events).
 */
final class KeyedValues {
  private static final Pattern BLANKS = Pattern.compile("\\s+"); // compiled once: read per tick

  private KeyedValues() {}

  static Map<String, Long> parse(String text) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] kv = BLANKS.split(line.strip());
      if (kv.length == 2) {
        try {
          values.put(kv[0], Long.parseLong(kv[1]));
        } catch (NumberFormatException e) {
          // Not a counter (e.g. "max" in a limit file); callers only ask for counters.
        }
      }
    }
    return values;
  }
}
