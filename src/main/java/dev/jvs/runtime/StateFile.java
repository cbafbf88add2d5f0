package dev.jvs.runtime;

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

/** An instance's state.json in its state directory, written atomically. */
public final class StateFile {
  public static final String NAME = "state.json";

  /** Jackson loads ~370 classes: only commands that touch state pay for them. */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private StateFile() {}

  /** The recorded state, empty when there is none; a corrupt file is an error naming it. */
  public static Optional<InstanceState> read(Path stateDir) {
    Path file = stateDir.resolve(NAME);
    try {
      return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(file), InstanceState.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new JvsException(
          file
              + ": corrupt state ("
              + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
              + ")");
    }
  }

  static void write(Path stateDir, InstanceState s) {
    try {
      Files.createDirectories(stateDir);
      AtomicFiles.replace(stateDir.resolve(NAME), Json.MAPPER.writeValueAsString(s));
    } catch (IOException e) {
      throw new UncheckedIOException(s.id() + ": " + e.getMessage(), e);
    }
  }

  static void delete(Path stateDir) {
    try {
      Files.deleteIfExists(stateDir.resolve(NAME));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
