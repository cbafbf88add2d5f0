package dev.jvs.image;

import dev.jvs.base.JvsException;
import java.util.regex.Pattern;

/**
 * Template names: what may safely become one directory name under templates/. The one rule for
 * every reader — the CLI, guest.conf and the store's own path resolution — since a name like {@code
 * ../../x} would make a host directory a guest's lower layer.
 */
public final class TemplateName {
  private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private TemplateName() {}

  /** Returns {@code name}, or throws IllegalArgumentException saying why (parsers add where). */
  public static String validate(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("invalid template name '': a name is required");
    }
    if (!isValid(name)) {
      throw new IllegalArgumentException(
          "invalid template name '"
              + name
              + "' (lower-case"
              + " letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63"
              + " characters)");
    }
    return name;
  }

  /** As {@link #validate}, as an error for the user. */
  public static String check(String name) {
    try {
      return validate(name);
    } catch (IllegalArgumentException e) {
      throw new JvsException(e.getMessage());
    }
  }

  public static boolean isValid(String name) {
    return name != null && VALID.matcher(name).matches();
  }
}
