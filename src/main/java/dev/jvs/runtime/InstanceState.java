package dev.jvs.runtime;

import java.util.Map;

/**
 * What a launch records in the instance's state.json: enough to find its processes again (pid plus
 * start time, so a recycled pid is never taken for them), its cgroup and namespaces, and the facts
 * its front-end keeps ({@code labels}: a guest's kind, a container's bundle). What is running is
 * never stored but derived from the kernel.
 *
 * @param monitorPid the jvs-init monitor, 0 when it released the process to its caller
 * @param namespaces the clone flags of the namespaces the process has of its own or joined
 */
public record InstanceState(
    String id,
    long monitorPid,
    long monitorStartTime,
    long initPid,
    long initStartTime,
    long startedAtMillis,
    String cgroupParent,
    String cgroupName,
    long namespaces,
    Map<String, String> labels) {

  public InstanceState {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** Whether the monitor stays and supervises (a guest) rather than the caller (a container). */
  public boolean supervised() {
    return monitorPid != 0;
  }

  public String cgroupPath() {
    return "/" + (cgroupParent.isEmpty() ? "" : cgroupParent + "/") + cgroupName;
  }
}
