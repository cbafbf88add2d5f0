package dev.jvs.guest;

import dev.jvs.base.JvsException;
import java.util.regex.Pattern;

/** A validated guest name: safe as a directory, cgroup and (hashed) interface name. */
public record GuestName(String value) {
  public static final int MAX_LENGTH = 64;
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  public GuestName {
    if (value == null || value.isEmpty()) {
      throw new JvsException("invalid guest name '': a name is required");
    }
    if (value.length() > MAX_LENGTH) {
      throw new JvsException(
          "invalid guest name '"
              + value.substring(0, 20)
              + "…': longer than "
              + MAX_LENGTH
              + " characters");
    }
    if (!VALID.matcher(value).matches()) {
      throw new JvsException(
          "invalid guest name '"
              + value
              + "': use letters, digits, '.', '-' and '_', starting with a letter or digit");
    }
  }

  public static GuestName of(String value) {
    return new GuestName(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
