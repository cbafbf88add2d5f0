package dev.jvs.guest.config;

import dev.jvs.kernel.Capability;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A guest's persistent configuration, as held in guests/NAME/guest.conf (docs/guest-config.md).
 *
 * @param template the template its root filesystem comes from
 * @param init the command a system guest runs as its PID 1
 * @param hostname the UTS hostname (defaults to the guest's name)
 * @param stopSignal sent by `jvs stop` before SIGKILL
 * @param stopTimeout how long `jvs stop` waits before SIGKILL
 * @param capsAdd capabilities added to the default bounding set
 * @param capsDrop capabilities removed from it
 * @param resources resource keys (DESIGN 5) to their validated values, in file order
 * @param boot the boot.* keys: autostart, order, delay
 * @param scriptsTimeout how long a lifecycle script (guests/NAME/scripts/) may run
 * @param privileged security.privileged: guest root is host root with capabilities taken away
 *     (true, and what a config without the key means), or an id range of its own in a user
 *     namespace (false, what {@link #defaults} writes for a new guest)
 */
public record GuestConfig(
    String template,
    List<String> init,
    String hostname,
    int stopSignal,
    Duration stopTimeout,
    Set<Capability> capsAdd,
    Set<Capability> capsDrop,
    Map<String, String> resources,
    BootOrder boot,
    Duration scriptsTimeout,
    boolean privileged) {

  public static final List<String> DEFAULT_INIT = List.of("/sbin/init");
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_SCRIPTS_TIMEOUT = Duration.ofSeconds(30);

  /** Without boot.* and scripts.* keys: their defaults. */
  public GuestConfig(
      String template,
      List<String> init,
      String hostname,
      int stopSignal,
      Duration stopTimeout,
      Set<Capability> capsAdd,
      Set<Capability> capsDrop,
      Map<String, String> resources) {
    this(
        template,
        init,
        hostname,
        stopSignal,
        stopTimeout,
        capsAdd,
        capsDrop,
        resources,
        BootOrder.NONE,
        DEFAULT_SCRIPTS_TIMEOUT);
  }

  /** Without security.privileged: privileged, as every guest was before the key existed. */
  public GuestConfig(
      String template,
      List<String> init,
      String hostname,
      int stopSignal,
      Duration stopTimeout,
      Set<Capability> capsAdd,
      Set<Capability> capsDrop,
      Map<String, String> resources,
      BootOrder boot,
      Duration scriptsTimeout) {
    this(
        template,
        init,
        hostname,
        stopSignal,
        stopTimeout,
        capsAdd,
        capsDrop,
        resources,
        boot,
        scriptsTimeout,
        true);
  }

  /** The same config in the other security mode. */
  public GuestConfig withPrivileged(boolean p) {
    return new GuestConfig(
        template,
        init,
        hostname,
        stopSignal,
        stopTimeout,
        capsAdd,
        capsDrop,
        resources,
        boot,
        scriptsTimeout,
        p);
  }

  public GuestConfig {
    init = List.copyOf(init);
    capsAdd = capsAdd.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(capsAdd));
    capsDrop = capsDrop.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(capsDrop));
    resources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(resources));
  }

  /**
   * A new guest's config: unprivileged (issue 15). Only a config read without the key means
   * privileged, so guests built before the default changed keep their mode.
   */
  public static GuestConfig defaults(String name, String template) {
    return new GuestConfig(
            template,
            DEFAULT_INIT,
            name,
            dev.jvs.kernel.Signal.SIGTERM,
            DEFAULT_STOP_TIMEOUT,
            Set.of(),
            Set.of(),
            Map.of())
        .withPrivileged(false);
  }

  /** The capability bounding set: the default set, plus additions, minus drops. */
  public Set<Capability> capabilities() {
    EnumSet<Capability> caps = EnumSet.copyOf(Capability.guestDefault());
    caps.addAll(capsAdd);
    caps.removeAll(capsDrop);
    return caps;
  }
}
