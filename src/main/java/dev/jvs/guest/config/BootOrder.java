package dev.jvs.guest.config;

import java.time.Duration;

/**
 * Where a guest stands when the host boots (boot.* keys, docs/guest-config.md).
 *
 * @param autostart whether the service starts it on its first start after a boot
 * @param order its place: lower starts first and stops last
 * @param delay how long the next guest waits after this one started
 */
public record BootOrder(boolean autostart, int order, Duration delay) {
  public static final BootOrder NONE = new BootOrder(false, 0, Duration.ZERO);

  static boolean flag(String value) {
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException("expected true or false, found '" + value + "'");
    };
  }

  static int order(String value) {
    return (int) Values.integer(value, -1_000_000, 1_000_000);
  }

  static Duration delay(String value) {
    Duration d = Values.duration(value);
    if (d.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("at most 1h, found '" + value + "'");
    }
    return d;
  }
}
