package dev.jvs.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Fields the runtime-spec defines and jvs does not implement. runtime-spec config.md: a runtime
 * MUST ignore properties it does not know (so config.json can be extended), but a property it knows
 * and cannot honour is an error, never silently dropped; this is that list.
 */
final class UnsupportedFields {
  private static final List<String> CONFIG =
      List.of(
          "solaris",
          "windows",
          "vm",
          "zos",
          "process.commandLine",
          "process.scheduler",
          "process.ioPriority",
          "process.execCPUAffinity",
          "linux.timeOffsets",
          "linux.intelRdt",
          "linux.personality",
          "linux.netDevices",
          "linux.memoryPolicy",
          "mounts[].uidMappings",
          "mounts[].gidMappings");
  private static final List<String> PROCESS =
      List.of("commandLine", "scheduler", "ioPriority", "execCPUAffinity");

  private UnsupportedFields() {}

  /** Throws for the first known-but-unsupported field set in {@code tree}. */
  static void check(JsonNode tree, String file, boolean process) {
    for (String field : process ? PROCESS : CONFIG) {
      if (present(tree, field.split("\\."))) {
        throw new OciException(
            file
                + ": unsupported field '"
                + field.replace("[]", "")
                + "' (jvs does not implement it)");
      }
    }
  }

  private static boolean present(JsonNode node, String[] path) {
    JsonNode at = node;
    for (int i = 0; i < path.length; i++) {
      String name = path[i];
      boolean array = name.endsWith("[]");
      JsonNode next =
          at == null ? null : at.get(array ? name.substring(0, name.length() - 2) : name);
      if (next == null || next.isNull()) {
        return false;
      }
      if (array) {
        String[] rest = java.util.Arrays.copyOfRange(path, i + 1, path.length);
        for (JsonNode element : next) {
          if (present(element, rest)) {
            return true;
          }
        }
        return false;
      }
      at = next;
    }
    return true;
  }
}
