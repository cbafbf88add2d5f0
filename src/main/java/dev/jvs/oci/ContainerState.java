package dev.jvs.oci;

import java.util.Map;

/**
 * What {@code create} records in {@code <root>/<id>/state.json}: enough to find the container's
 * init (pid + start time, so a recycled pid is never taken for it), its cgroup and its hooks.
 * The status is never stored; it is derived from the process and the start FIFO.
 */
public record ContainerState(
    String id,
    long pid,
    long pidStartTime,
    String bundle,
    String rootfs,
    String created,
    String cgroupParent,
    String cgroupName,
    long namespaces,
    Map<String, String> annotations,
    OciConfig.Hooks hooks) {

  public ContainerState {
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  /** The state as runtime-spec "state" defines it (plus runc's rootfs, created and owner). */
  public record Oci(
      String ociVersion,
      String id,
      String status,
      long pid,
      String bundle,
      String rootfs,
      String created,
      String owner,
      Map<String, String> annotations) {}

  public Oci toOci(String status) {
    long shown = status.equals("stopped") ? 0 : pid;
    return new Oci("1.2.0", id, status, shown, bundle, rootfs, created, "", annotations);
  }
}
