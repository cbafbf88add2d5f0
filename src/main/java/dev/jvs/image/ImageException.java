package dev.jvs.image;

import dev.jvs.base.JvsException;

/** A template could not be built or imported; the message is one line for the user. */
public final class ImageException extends JvsException {
  public ImageException(String message) {
    super(message);
  }

  public ImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
