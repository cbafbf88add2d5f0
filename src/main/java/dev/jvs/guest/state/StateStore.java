package dev.jvs.guest.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jvs.base.AtomicFiles;
import dev.jvs.base.JvsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads and atomically writes state.json files. */
public final class StateStore {
  public static final String STATE_FILE = "state.json";
  public static final String EXIT_FILE = "exit";
  /** A detached guest's output, written by its monitor (rotated: console.log.1, …). */
  public static final String CONSOLE_LOG = "console.log";
  /** Where the guest's monitor takes `jvs exec` requests (docs/launch-program.md). */
  public static final String EXEC_SOCKET = "exec.sock";

  /** Jackson loads ~370 classes: only commands that touch state pay for them. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  public Optional<GuestState> read(Path guestRunDir) {
    Path file = guestRunDir.resolve(STATE_FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(file), GuestState.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new JvsException(file + ": corrupt state (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
  }

  public void write(Path guestRunDir, GuestState state) {
    try {
      Files.createDirectories(guestRunDir);
      AtomicFiles.write(guestRunDir.resolve(STATE_FILE), Json.MAPPER.writeValueAsString(state));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void delete(Path guestRunDir) {
    try {
      Files.deleteIfExists(guestRunDir.resolve(STATE_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Optional<ExitStatus> exitStatus(Path guestRunDir) {
    return ExitStatus.read(guestRunDir.resolve(EXIT_FILE));
  }
}
