package dev.jvs.net;

import dev.jvs.base.JvsException;

/** A networking failure or refused setting, as one line naming what was acted on. */
public final class NetException extends JvsException {
  public NetException(String message) {
    super(message);
  }
}
