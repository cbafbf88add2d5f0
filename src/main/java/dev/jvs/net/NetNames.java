package dev.jvs.net;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of everything jvs creates on the host for one JVS_ROOT, derived from the root's path and
 * the guests' names only, so stop, gc and leak audits find them without any state file. The default
 * root gets the short names (jvs0, table jvs); any other root (every test uses its own) gets a
 * suffix of 8 hex digits of its path, as its cgroup parent does.
 */
public record NetNames(String tag, boolean defaultRoot) {
  public static final Path DEFAULT_ROOT = Path.of("/var/lib/jvs");

  public static NetNames of(Path root) {
    Path r = root.toAbsolutePath().normalize();
    return new NetNames(hash(r.toString()), r.equals(DEFAULT_ROOT));
  }

  /** The bridge: jvs0, or jvsb + tag. */
  public String bridge() {
    return defaultRoot ? "jvs0" : "jvsb" + tag;
  }

  /**
   * The bridge's MAC: fixed (locally administered, from the tag), because a bridge left to itself
   * takes the lowest MAC of its ports and changes it when a guest's veth comes or goes, and the
   * other guests' cached gateway entry then points nowhere until it expires.
   */
  public String bridgeMac() {
    return "02:" + String.join(":", tag.split("(?<=\\G..)")) + ":01";
  }

  /** The nft tables (ip and bridge family): jvs, or jvs- + tag. */
  public String table() {
    return defaultRoot ? "jvs" : "jvs-" + tag;
  }

  /** The link holding host-ip guests' addresses (a bridge without ports: no dummy driver here). */
  public String hostIpLink() {
    return defaultRoot ? "jvsh0" : "jvsh" + tag;
  }

  /** The ifb link whose HTB tree shapes bridge guests' egress. */
  public String ifb() {
    return defaultRoot ? "jvsi0" : "jvsi" + tag;
  }

  /** The host end of a guest's veth: "jvs" + 4 hex of the root + 8 of the guest = 15 chars. */
  public String veth(String guest) {
    return vethPrefix() + hash(guest);
  }

  /**
   * The guest's end of a pair made on the host for a restore in a user namespace, until criu moves
   * it into the guest's namespace as eth0 (docs/checkpoint.md): 15 characters, never a veth's name.
   */
  public String restorePeer(String guest) {
    return "jvsr" + tag.substring(0, 3) + hash(guest);
  }

  public String vethPrefix() {
    return "jvs" + tag.substring(0, 4);
  }

  /**
   * The bridge's IPv6 prefix, a unique local /64 derived from the root: fd + the tag as its global
   * ID. Guests' IPv6 addresses end with their IPv4 address's offset in the subnet.
   */
  public String ula() {
    // Canonical text (no leading zeros in a group), as `ip` prints it back.
    return "fd"
        + tag.substring(0, 2)
        + ":"
        + group(tag.substring(2, 6))
        + ":"
        + group(tag.substring(6, 8) + "00")
        + "::";
  }

  private static String group(String hex) {
    return Integer.toHexString(Integer.parseInt(hex, 16));
  }

  /** Whether a link of this name belongs to this root. */
  public boolean owns(String link) {
    return link.equals(bridge())
        || link.equals(hostIpLink())
        || link.equals(ifb())
        || (link.length() == 15 && link.startsWith(vethPrefix()));
  }

  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
