package dev.jvs.api;

import dev.jvs.cgroup.CgroupUsage;
import dev.jvs.guest.GuestStatus;
import dev.jvs.guest.config.GuestConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the API says about a guest and its config, as JSON-ready maps (field names: docs/api.md).
 */
final class GuestJson {
  private GuestJson() {}

  static Map<String, Object> status(GuestStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("state", s.state().toString());
    if (s.state() == GuestStatus.State.RUNNING) {
      m.put("pid", s.initPid());
      m.put("uptime_seconds", s.uptime().toMillis() / 1000.0);
      m.put("cgroup", s.cgroup());
    }
    m.put("resources", s.resources());
    if (s.usage() != null) {
      CgroupUsage u = s.usage();
      Map<String, Object> usage = new LinkedHashMap<>();
      usage.put("cpu_seconds", known(u.cpuNanos()) ? u.cpuNanos() / 1e9 : null);
      usage.put("memory_bytes", known(u.memoryBytes()) ? u.memoryBytes() : null);
      usage.put("memory_peak_bytes", known(u.memoryPeakBytes()) ? u.memoryPeakBytes() : null);
      usage.put("processes", known(u.pids()) ? u.pids() : null);
      usage.put("oom_kills", known(u.oomKills()) ? u.oomKills() : null);
      m.put("usage", usage);
    }
    if (s.lastExit() != null) {
      m.put(
          "last_exit",
          Map.of(
              "code", s.lastExit().code(),
              "signaled", s.lastExit().signaled(),
              "text", s.lastExit().toString()));
    }
    return m;
  }

  static Map<String, Object> config(GuestConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("template", c.template());
    m.put("init", c.init());
    m.put("hostname", c.hostname());
    m.put("stop.signal", c.stopSignal());
    m.put("stop.timeout", c.stopTimeout().toMillis() / 1000.0);
    m.put("caps.add", c.capsAdd().stream().map(Object::toString).sorted().toList());
    m.put("caps.drop", c.capsDrop().stream().map(Object::toString).sorted().toList());
    m.put("resources", c.resources());
    return m;
  }

  private static boolean known(long v) {
    return v != CgroupUsage.UNKNOWN;
  }
}
