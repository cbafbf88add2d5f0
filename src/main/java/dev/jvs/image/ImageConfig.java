package dev.jvs.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process defaults an OCI image carries (its config's Env, Entrypoint, Cmd, WorkingDir, User),
 * kept beside an imported template as templates/NAME/config.json and used for application guests of
 * that template.
 *
 * @param env "KEY=VALUE" entries, in image order
 * @param entrypoint prepended to the command (Docker semantics)
 * @param cmd the default command, replaced by the user's when one is given
 * @param workingDir the initial working directory, "" for /
 * @param user "uid", "uid:gid", "name" or "name:group", "" for root
 */
public record ImageConfig(
    List<String> env, List<String> entrypoint, List<String> cmd, String workingDir, String user) {

  public static final ImageConfig NONE = new ImageConfig(List.of(), List.of(), List.of(), "", "");

  public ImageConfig {
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
  }

  /** Reads the "config" object of an OCI image config or a Docker image JSON. */
  static ImageConfig fromImageJson(JsonNode image) {
    JsonNode c = image.path("config");
    if (c.isMissingNode() || c.isNull()) {
      c = image.path("container_config");
    }
    return new ImageConfig(
        strings(c.path("Env")),
        strings(c.path("Entrypoint")),
        strings(c.path("Cmd")),
        c.path("WorkingDir").asText(""),
        c.path("User").asText(""));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The command an application guest runs: entrypoint + (the user's command, else cmd). */
  public List<String> command(List<String> given) {
    List<String> argv = new ArrayList<>(entrypoint);
    argv.addAll(given.isEmpty() ? cmd : given);
    return argv;
  }

  /** Whether the image names a command, so that a guest started without one runs it. */
  public boolean hasCommand() {
    return !entrypoint.isEmpty() || !cmd.isEmpty();
  }

  /** The image's environment over {@code base} (the image wins, as in Docker). */
  public Map<String, String> environment(Map<String, String> base) {
    Map<String, String> out = new LinkedHashMap<>(base);
    for (String e : env) {
      int eq = e.indexOf('=');
      if (eq > 0) {
        out.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    return out;
  }
}
