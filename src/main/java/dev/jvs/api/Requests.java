package dev.jvs.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The request bodies the API takes, parsed and checked before anything is done. */
final class Requests {
  private Requests() {}

  enum Action {
    START,
    STOP,
    RESTART
  }

  /** PUT /1.0/guests/{name}/state. */
  record StateChange(Action action, Duration timeout, boolean force) {}

  /** POST /1.0/guests. */
  record Build(String name, String template) {}

  /** POST /1.0/guests/{name}/exec: non-interactive, stdin given whole. */
  record Exec(List<String> command, String stdin) {}

  /** POST /1.0/templates: built {@code from} a source, or imported from a host path. */
  record TemplateSource(String name, String from, java.nio.file.Path importPath) {}

  static TemplateSource templateSource(byte[] body) {
    JsonBody b = JsonBody.parse(body, Set.of("name", "from", "import"));
    String name = b.requiredString("name");
    String from = b.string("from", null);
    String path = b.string("import", null);
    if ((from == null) == (path == null)) {
      throw ApiException.badRequest("give one of the fields 'from' (build) and 'import' (a path)");
    }
    if (path != null) {
      if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
        throw ApiException.badRequest(
            "field 'import': '" + ErrorStatus.line(path) + "' is not an absolute path");
      }
      return new TemplateSource(name, null, java.nio.file.Path.of(path));
    }
    return new TemplateSource(name, from, null);
  }

  static StateChange stateChange(byte[] body) {
    JsonBody b = JsonBody.parse(body, Set.of("action", "timeout", "force"));
    String action = b.requiredString("action");
    Action a =
        switch (action) {
          case "start" -> Action.START;
          case "stop" -> Action.STOP;
          case "restart" -> Action.RESTART;
          default ->
              throw ApiException.badRequest(
                  "field 'action': '"
                      + ErrorStatus.line(action)
                      + "' is not one of start, stop, restart");
        };
    Double timeout = b.seconds("timeout");
    return new StateChange(
        a,
        timeout == null ? null : Duration.ofMillis(Math.round(timeout * 1000)),
        b.bool("force", false));
  }

  static Build build(byte[] body) {
    JsonBody b = JsonBody.parse(body, Set.of("name", "template"));
    return new Build(b.requiredString("name"), b.string("template", "busybox"));
  }

  /** POST /1.0/guests/{name}/clone: the new guest's name. */
  static String cloneTarget(byte[] body) {
    return JsonBody.parse(body, Set.of("name")).requiredString("name");
  }

  static Exec exec(byte[] body) {
    JsonBody b = JsonBody.parse(body, Set.of("command", "stdin"));
    return new Exec(b.strings("command"), b.string("stdin", ""));
  }

  /**
   * PATCH /1.0/guests/{name}/config: {"key": value, …} as `jvs set` takes key=value; strings,
   * numbers and booleans are taken as written, anything else is refused. The runtime validates the
   * keys and values (the same one-line errors as `jvs set`).
   */
  static Map<String, String> configPatch(byte[] body) {
    JsonBody b = JsonBody.parse(body, new AnyKey());
    Map<String, String> changes = new LinkedHashMap<>();
    for (var names = b.fieldNames(); names.hasNext(); ) {
      String key = names.next();
      JsonNode v = b.get(key);
      if (!(v.isTextual() || v.isNumber() || v.isBoolean())) {
        throw ApiException.badRequest(
            "field '" + ErrorStatus.line(key) + "' must be a string, number or boolean");
      }
      changes.put(key, v.isTextual() ? v.textValue() : v.toString());
    }
    if (changes.isEmpty()) {
      throw ApiException.badRequest("no keys to set");
    }
    return changes;
  }

  /** Every field name is allowed: the runtime knows the config keys. */
  private static final class AnyKey extends java.util.AbstractSet<String> {
    @Override
    public boolean contains(Object o) {
      return true;
    }

    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.Collections.emptyIterator();
    }

    @Override
    public int size() {
      return 0;
    }
  }
}
