package dev.jvs.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Reads a bundle's config.json (or an exec's process.json). runtime-spec config.md: properties a
 * runtime does not know MUST be ignored (so the format can grow), but one it knows and cannot
 * honour is an error ({@link UnsupportedFields}), never silently dropped.
 */
public final class OciConfigReader {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private OciConfigReader() {}

  public static OciConfig readBundle(Path bundle) {
    return read(bundle.resolve("config.json"), OciConfig.class);
  }

  public static OciConfig.Process readProcess(Path file) {
    return read(file, OciConfig.Process.class);
  }

  static <T> T read(Path file, Class<T> type) {
    try {
      JsonNode tree = MAPPER.readTree(Files.readAllBytes(file));
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        throw new OciException(file.getFileName() + ": empty JSON document");
      }
      UnsupportedFields.check(tree, file.getFileName().toString(), type == OciConfig.Process.class);
      return MAPPER.treeToValue(tree, type);
    } catch (NoSuchFileException e) {
      throw new OciException("JSON specification file " + file.getFileName() + " not found");
    } catch (UnrecognizedPropertyException e) {
      throw new OciException(
          file.getFileName() + ": unsupported field '" + path(e) + "' (jvs does not implement it)");
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof StreamReadException cause) {
        throw new OciException(file.getFileName() + ": malformed JSON: " + brief(cause));
      }
      throw new OciException(
          file.getFileName()
              + ": "
              + (path(e).isEmpty() ? "" : "field '" + path(e) + "': ")
              + e.getOriginalMessage());
    } catch (StreamReadException e) {
      throw new OciException(file.getFileName() + ": malformed JSON: " + brief(e));
    } catch (JsonProcessingException e) {
      throw new OciException(file.getFileName() + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new OciException(file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  /** Jackson's message without its source-location noise, plus line and column. */
  private static String brief(StreamReadException e) {
    String m = e.getOriginalMessage();
    int cut = m.indexOf(" (start marker");
    m = cut < 0 ? m : m.substring(0, cut);
    return e.getLocation() == null
        ? m
        : m
            + " at line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr();
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  public static ObjectMapper mapper() {
    return MAPPER.copy();
  }
}
