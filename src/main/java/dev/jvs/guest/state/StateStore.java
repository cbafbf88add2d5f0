package dev.jvs.guest.state;

import dev.jvs.base.AtomicFiles;
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

  /**
   * Written by jvs before it signals a guest to stop, with the init pid of the run it stops: tells
   * a stop from an init that ended by itself, since busybox's init exits 0 on SIGTERM (the event
   * feed's "stopped" against "exited 0"). A later run has another pid, so the file needs no reset.
   */
  public static final String STOP_MARKER = "stopped-by-jvs";

  /** Records that jvs is stopping the run whose first process is {@code initPid}. */
  public void markStopping(Path guestRunDir, long initPid) {
    try {
      Files.createDirectories(guestRunDir);
      AtomicFiles.replace(guestRunDir.resolve(STOP_MARKER), Long.toString(initPid));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The init pid of the last run jvs stopped, 0 when it never stopped one. */
  public long stoppedInitPid(Path guestRunDir) {
    try {
      return Long.parseLong(Files.readString(guestRunDir.resolve(STOP_MARKER)).strip());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  public Optional<ExitStatus> exitStatus(Path guestRunDir) {
    return ExitStatus.read(guestRunDir.resolve(EXIT_FILE));
  }
}
