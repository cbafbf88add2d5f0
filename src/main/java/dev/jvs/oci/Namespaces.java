package dev.jvs.oci;

import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** linux.namespaces (and the id mappings of a new user namespace) as the core's namespaces. */
final class Namespaces {
  static final Map<String, Namespace> TYPES =
      Map.of(
          "pid", Namespace.PID,
          "network", Namespace.NET,
          "mount", Namespace.MOUNT,
          "ipc", Namespace.IPC,
          "uts", Namespace.UTS,
          "user", Namespace.USER,
          "cgroup", Namespace.CGROUP);

  private Namespaces() {}

  static Plan.Namespaces of(OciConfig.Linux linux) {
    Plan.Namespaces ns = of(linux.namespaces());
    if (!ns.creates(Namespace.USER)) {
      return ns;
    }
    return new Plan.Namespaces(
        ns.create(),
        ns.join(),
        idMap(linux.uidMappings(), "uidMappings"),
        idMap(linux.gidMappings(), "gidMappings"));
  }

  static Plan.Namespaces of(List<OciConfig.Namespace> list) {
    Set<Namespace> create = EnumSet.noneOf(Namespace.class);
    Map<Namespace, String> join = new LinkedHashMap<>();
    Set<Namespace> seen = EnumSet.noneOf(Namespace.class);
    for (OciConfig.Namespace n : list == null ? List.<OciConfig.Namespace>of() : list) {
      if ("time".equals(n.type())) {
        throw new OciException("namespace type \"time\" is not supported by jvs");
      }
      Namespace type = n.type() == null ? null : TYPES.get(n.type());
      if (type == null) {
        throw new OciException(
            "namespace {\""
                + n.type()
                + "\" \""
                + (n.path() == null ? "" : n.path())
                + "\"} does not exist");
      }
      if (!seen.add(type)) {
        throw new OciException("malformed spec file: duplicated ns \"" + n.type() + "\"");
      }
      if (n.path() == null || n.path().isEmpty()) {
        create.add(type);
      } else {
        join.put(type, n.path());
      }
    }
    return new Plan.Namespaces(create, join, null, null);
  }

  private static String idMap(List<OciConfig.IdMapping> maps, String field) {
    if (maps == null || maps.isEmpty()) {
      throw new OciException("user namespace requires linux." + field);
    }
    StringBuilder s = new StringBuilder();
    for (OciConfig.IdMapping m : maps) {
      s.append(m.containerID())
          .append(' ')
          .append(m.hostID())
          .append(' ')
          .append(m.size())
          .append('\n');
    }
    return s.toString();
  }
}
