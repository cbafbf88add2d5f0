package dev.jvs.image;

import dev.jvs.base.JvsException;

/** Template names: what may safely become a directory name under templates/. */
final class TemplateName {
  private TemplateName() {}

  static void check(String name) {
    if (!name.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
      throw new JvsException("invalid template name '" + name + "' (lower-case letters, digits,"
          + " '.', '_' and '-', starting with a letter or digit, at most 63 characters)");
    }
  }
}
