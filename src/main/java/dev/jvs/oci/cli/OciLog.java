package dev.jvs.oci.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** runc's --log/--log-format: one line per entry, logrus-style text or JSON. */
record OciLog(String file, String format) {
  static String textLine(String message) {
    return textLine("error", message);
  }

  static String textLine(String level, String message) {
    return "time=\""
        + Instant.now()
        + "\" level="
        + level
        + " msg=\""
        + message.replace("\\", "\\\\").replace("\"", "\\\"")
        + "\"";
  }

  void error(String message) {
    append("error", message);
  }

  void warning(String message) {
    append("warning", message);
  }

  private void append(String level, String message) {
    if (file == null || file.isEmpty()) {
      return;
    }
    String time = Instant.now().toString();
    String line;
    if ("json".equals(format)) {
      Map<String, String> entry = new LinkedHashMap<>();
      entry.put("level", level);
      entry.put("msg", message);
      entry.put("time", time);
      try {
        line = new ObjectMapper().writeValueAsString(entry);
      } catch (JsonProcessingException e) {
        return;
      }
    } else {
      line = textLine(level, message);
    }
    try {
      Files.writeString(
          Path.of(file),
          line + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (IOException ignored) {
      // the error still goes to stderr
    }
  }
}
