package dev.jvs.oci;

import dev.jvs.launch.Ns;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** linux.namespaces: which to create (clone flags) and which to join by path. */
record Namespaces(long create, Map<Long, String> join) {
  static final Map<String, Long> TYPES =
      Map.of(
          "pid", Ns.PID,
          "network", Ns.NET,
          "mount", Ns.MOUNT,
          "ipc", Ns.IPC,
          "uts", Ns.UTS,
          "user", Ns.USER,
          "cgroup", Ns.CGROUP);

  static Namespaces of(List<OciConfig.Namespace> list) {
    long create = 0;
    Map<Long, String> join = new LinkedHashMap<>();
    long seen = 0;
    for (OciConfig.Namespace n : list == null ? List.<OciConfig.Namespace>of() : list) {
      if ("time".equals(n.type())) {
        throw new OciException("namespace type \"time\" is not supported by jvs");
      }
      Long flag = n.type() == null ? null : TYPES.get(n.type());
      if (flag == null) {
        throw new OciException("namespace {\"" + n.type() + "\" \"" + (n.path() == null ? "" : n.path())
            + "\"} does not exist");
      }
      if ((seen & flag) != 0) {
        throw new OciException("malformed spec file: duplicated ns \"" + n.type() + "\"");
      }
      seen |= flag;
      if (n.path() == null || n.path().isEmpty()) {
        create |= flag;
      } else {
        join.put(flag, n.path());
      }
    }
    // The user namespace is joined first: it grants the rights to join the others.
    Map<Long, String> ordered = new LinkedHashMap<>();
    if (join.containsKey(Ns.USER)) {
      ordered.put(Ns.USER, join.get(Ns.USER));
    }
    join.forEach(ordered::putIfAbsent);
    return new Namespaces(create, ordered);
  }

  boolean has(long flag) {
    return (create & flag) != 0 || join.containsKey(flag);
  }

  boolean creates(long flag) {
    return (create & flag) != 0;
  }
}
