package dev.jvs.limits;

/**
 * One entry of a device allow-list: {@code type} 'a' (any), 'b' (block) or 'c' (char); {@code
 * major}/{@code minor} -1 for any; {@code access} a non-empty subset of "rwm" (read, write, mknod).
 */
public record DeviceRule(char type, long major, long minor, String access) {
  /** Any number (the {@code *} of devices.allow). */
  public static final long ANY = -1;

  public DeviceRule {
    if (type != 'a' && type != 'b' && type != 'c') {
      throw new IllegalArgumentException("device type must be a, b or c: " + type);
    }
    checkNumber("major", major);
    checkNumber("minor", minor);
    if (type == 'a' && (major != ANY || minor != ANY)) {
      throw new IllegalArgumentException("device type a takes no numbers: " + major + ":" + minor);
    }
    if (access == null || access.isEmpty() || !access.matches("[rwm]{1,3}")) {
      throw new IllegalArgumentException("device access must be a subset of rwm: " + access);
    }
    if (access.chars().distinct().count() != access.length()) {
      throw new IllegalArgumentException("device access repeats a letter: " + access);
    }
  }

  /** A char device, any access: {@code c MAJ:MIN rwm}. */
  public static DeviceRule chr(long major, long minor) {
    return new DeviceRule('c', major, minor, "rwm");
  }

  /** A block device, any access: {@code b MAJ:MIN rwm}. */
  public static DeviceRule block(long major, long minor) {
    return new DeviceRule('b', major, minor, "rwm");
  }

  /** The v1 devices.allow line, e.g. "c 1:3 rwm" or "b *:* m". */
  public String toV1Line() {
    return type + " " + number(major) + ":" + number(minor) + " " + access;
  }

  @Override
  public String toString() {
    return toV1Line();
  }

  private static String number(long n) {
    return n == ANY ? "*" : Long.toString(n);
  }

  private static void checkNumber(String what, long n) {
    // Majors are 12 bits and minors 20 bits in dev_t; anything beyond cannot match a device.
    if (n < ANY || n > 0xfffff) {
      throw new IllegalArgumentException("device " + what + " out of range: " + n);
    }
  }
}
