package dev.jvs.runtime;

import java.nio.file.Path;

/**
 * Where one guest or container lives on the host: its state directory, its lock, the directory its
 * launches' control sockets go to (short: a socket path has 107 bytes), and its cgroup. The
 * front-ends name these; the runtime core never decides them.
 */
public record Instance(
    String id,
    Path stateDir,
    Path lockFile,
    Path controlDir,
    String cgroupParent,
    String cgroupName) {

  /** The cgroup below the hierarchy roots, as shown: "/jvs/web1". */
  public String cgroupPath() {
    return "/" + (cgroupParent.isEmpty() ? "" : cgroupParent + "/") + cgroupName;
  }
}
