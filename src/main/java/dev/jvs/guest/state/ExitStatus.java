package dev.jvs.guest.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** How a guest's first process ended, as its monitor recorded it in the status file. */
public record ExitStatus(boolean signaled, int value) {
  /** The shell convention: the exit code, or 128 + signal. */
  public int code() {
    return signaled ? 128 + value : value;
  }

  @Override
  public String toString() {
    return signaled ? "killed by signal " + value : "exited " + value;
  }

  public static Optional<ExitStatus> read(Path file) {
    String text;
    try {
      text = Files.readString(file).strip();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
    String[] parts = text.split(" ");
    if (parts.length != 2) {
      return Optional.empty();
    }
    return Optional.of(new ExitStatus(parts[0].equals("signaled"), Integer.parseInt(parts[1])));
  }
}
