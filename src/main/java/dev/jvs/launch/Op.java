package dev.jvs.launch;

import java.util.List;

/**
 * One operation of a launch program: its name in the contract (docs/launch-program.md), its fields,
 * whether a missing path (ENOENT) is tolerated, and a human description used when the operation
 * fails ("mount proc on /proc").
 */
public record Op(String name, List<String> fields, boolean optional, String description) {
  public Op {
    fields = List.copyOf(fields);
  }

  /** Whether the monitor (rather than the child) executes this operation. */
  public boolean runsInMonitor() {
    return switch (name) {
      case "status-file",
          "log",
          "detach",
          "pty",
          "stdio-pipes",
          "pipe-owner",
          "uid-map",
          "gid-map",
          "idmap-tree",
          "disk-tree",
          "bind-tree",
          "join",
          "setns",
          "release",
          "console-socket",
          "landlock-scope",
          "exec-socket",
          "clone" ->
          true;
      default -> false;
    };
  }
}
