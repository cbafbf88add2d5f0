package dev.jvs.guest.config;

import dev.jvs.base.JvsException;

/** A config error naming where it is: file and line, or guest, and the field. */
public final class ConfigException extends JvsException {
  public ConfigException(String message) {
    super(message);
  }
}
