package dev.jvs.api;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One thing that happened to a guest: {@code type} is created, started, stopped, exited, deleted,
 * oom-kill, pids-max or config; {@code details} what goes with it (an exit code, a count).
 */
public record Event(Instant time, String guest, String type, Map<String, Object> details) {
  public Event {
    details = Map.copyOf(details);
  }

  /** As sent: {"time", "guest", "type", then the details}. */
  Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("time", time.toString());
    m.put("guest", guest);
    m.put("type", type);
    m.putAll(details);
    return m;
  }
}
