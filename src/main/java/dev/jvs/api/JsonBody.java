package dev.jvs.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A request body as a JSON object whose fields are checked by name and type, each refusal one line
 * naming the field: unknown fields and wrong types are errors, never ignored or coerced.
 */
final class JsonBody {
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final ObjectNode object;

  private JsonBody(ObjectNode object) {
    this.object = object;
  }

  /** Parses {@code body}, which must be one JSON object with only the {@code allowed} fields. */
  static JsonBody parse(byte[] body, Set<String> allowed) {
    JsonNode node;
    try {
      node = MAPPER.readTree(new String(body, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("malformed JSON: " + firstLine(e.getOriginalMessage()));
    }
    if (node == null || node.isMissingNode()) {
      throw ApiException.badRequest("a JSON object is required as the request body");
    }
    if (!(node instanceof ObjectNode o)) {
      throw ApiException.badRequest("the request body must be a JSON object");
    }
    for (Iterator<String> names = o.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.badRequest(
            "unknown field '" + ErrorStatus.line(name) + "' (known: " + sorted(allowed) + ")");
      }
    }
    return new JsonBody(o);
  }

  Iterator<String> fieldNames() {
    return object.fieldNames();
  }

  JsonNode get(String field) {
    return object.get(field);
  }

  /** A string field, or {@code fallback} when absent. */
  String string(String field, String fallback) {
    JsonNode n = object.get(field);
    if (n == null) {
      return fallback;
    }
    if (!n.isTextual()) {
      throw wrongType(field, "a string");
    }
    return n.textValue();
  }

  String requiredString(String field) {
    String s = string(field, null);
    if (s == null) {
      throw ApiException.badRequest("field '" + field + "' is required");
    }
    return s;
  }

  boolean bool(String field, boolean fallback) {
    JsonNode n = object.get(field);
    if (n == null) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw wrongType(field, "true or false");
    }
    return n.booleanValue();
  }

  /** A non-negative number of seconds (fractions allowed), or null when absent. */
  Double seconds(String field) {
    JsonNode n = object.get(field);
    if (n == null) {
      return null;
    }
    if (!n.isNumber()) {
      throw wrongType(field, "a number of seconds");
    }
    double d = n.doubleValue();
    if (!(d >= 0) || d > 86_400 * 365) {
      throw ApiException.badRequest("field '" + field + "': " + n + " is not a number of seconds");
    }
    return d;
  }

  /** A non-empty array of strings. */
  List<String> strings(String field) {
    JsonNode n = object.get(field);
    if (n == null) {
      throw ApiException.badRequest("field '" + field + "' is required");
    }
    if (!n.isArray() || n.isEmpty()) {
      throw wrongType(field, "a non-empty array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw wrongType(field, "a non-empty array of strings");
      }
      out.add(e.textValue());
    }
    return out;
  }

  private static ApiException wrongType(String field, String expected) {
    return ApiException.badRequest("field '" + field + "' must be " + expected);
  }

  private static String sorted(Set<String> names) {
    return String.join(", ", names.stream().sorted().toList());
  }

  static String firstLine(String s) {
    String line = String.valueOf(s).lines().findFirst().orElse("");
    return ErrorStatus.line(line.length() > 200 ? line.substring(0, 200) + "…" : line);
  }
}
