package dev.jvs.guest.state;

import dev.jvs.runtime.StateFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A guest's run directory as its readers see it: the core's state.json, the exit status. */
public final class StateStore {
  public static final String EXIT_FILE = "exit";

  /** A detached guest's output, written by its monitor (rotated: console.log.1, …). */
  public static final String CONSOLE_LOG = "console.log";

  /** The guest's view of the state the runtime core recorded; empty when not started. */
  public Optional<GuestState> read(Path guestRunDir) {
    return StateFile.read(guestRunDir).map(GuestState::of);
  }

  /** Removes a corrupt state file, whatever it said. */
  public void delete(Path guestRunDir) {
    try {
      Files.deleteIfExists(guestRunDir.resolve(StateFile.NAME));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Optional<ExitStatus> exitStatus(Path guestRunDir) {
    return ExitStatus.read(guestRunDir.resolve(EXIT_FILE));
  }
}
