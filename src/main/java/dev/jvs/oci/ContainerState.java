package dev.jvs.oci;

import dev.jvs.runtime.InstanceState;
import java.util.Map;

/**
 * A container's state as runtime-spec "state" shows it: the core's {@link InstanceState} with the
 * labels {@code create} recorded (bundle, rootfs, created) and the annotations of its saved
 * config.json. The status is never stored: it is derived from the process and the start FIFO.
 */
public final class ContainerState {
  static final String BUNDLE = "bundle";
  static final String ROOTFS = "rootfs";
  static final String CREATED = "created";

  private ContainerState() {}

  /** The state as runtime-spec defines it (plus runc's rootfs, created and owner). */
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

  static Oci of(InstanceState s, String status, Map<String, String> annotations) {
    long shown = status.equals("stopped") ? 0 : s.initPid();
    return new Oci(
        "1.2.0",
        s.id(),
        status,
        shown,
        s.labels().get(BUNDLE),
        s.labels().get(ROOTFS),
        s.labels().get(CREATED),
        "",
        annotations == null ? Map.of() : annotations);
  }
}
