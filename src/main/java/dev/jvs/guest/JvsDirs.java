package dev.jvs.guest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where jvs keeps things: persistent data under JVS_ROOT, runtime state under JVS_RUN, and the name
 * of the parent cgroup, which is derived from JVS_ROOT so that each root (every test uses its own)
 * owns a distinct cgroup subtree that gc can find without any state file.
 */
public record JvsDirs(Path root, Path run) {
  public static final Path DEFAULT_ROOT = Path.of("/var/lib/jvs");
  public static final Path DEFAULT_RUN = Path.of("/run/jvs");

  public JvsDirs {
    root = root.toAbsolutePath().normalize();
    run = run.toAbsolutePath().normalize();
  }

  public static JvsDirs fromEnvironment(Map<String, String> env) {
    return new JvsDirs(
        Path.of(env.getOrDefault("JVS_ROOT", DEFAULT_ROOT.toString())),
        Path.of(env.getOrDefault("JVS_RUN", DEFAULT_RUN.toString())));
  }

  public Path templates() {
    return root.resolve("templates");
  }

  public Path guests() {
    return root.resolve("guests");
  }

  public Path guest(GuestName name) {
    return guests().resolve(name.value());
  }

  public Path runGuests() {
    return run.resolve("guests");
  }

  public Path runGuest(GuestName name) {
    return runGuests().resolve(name.value());
  }

  public Path lock(GuestName name) {
    return run.resolve("locks").resolve(name.value() + ".lock");
  }

  /** Computed once per root: every guest's status asks for it, and a digest costs ~50 us. */
  private static final Map<Path, String> CGROUP_PARENTS = new ConcurrentHashMap<>();

  /** "jvs" for the default root, "jvs-" + 8 hex digits of the root's path otherwise. */
  public String cgroupParent() {
    return CGROUP_PARENTS.computeIfAbsent(root, JvsDirs::cgroupParentOf);
  }

  private static String cgroupParentOf(Path root) {
    if (root.equals(DEFAULT_ROOT)) {
      return "jvs";
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(root.toString().getBytes(StandardCharsets.UTF_8));
      return "jvs-" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
