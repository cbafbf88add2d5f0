package dev.jvs.oci;

import dev.jvs.runtime.HookRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs OCI hooks in the runtime's namespaces with the container's state on stdin. */
final class Hooks {
  private Hooks() {}

  static void run(String kind, List<OciConfig.Hook> hooks, String stateJson) {
    if (hooks == null) {
      return;
    }
    for (int i = 0; i < hooks.size(); i++) {
      OciConfig.Hook h = hooks.get(i);
      List<String> cmd = new ArrayList<>();
      cmd.add(h.path());
      if (h.args() != null && h.args().size() > 1) {
        cmd.addAll(h.args().subList(1, h.args().size())); // args[0] is the hook's argv[0]
      }
      Map<String, String> env = new HashMap<>();
      for (String e : h.env() == null ? List.<String>of() : h.env()) {
        int eq = e.indexOf('=');
        if (eq > 0) {
          env.put(e.substring(0, eq), e.substring(eq + 1));
        }
      }
      Duration timeout = h.timeout() == null ? null : Duration.ofSeconds(h.timeout());
      String which = kind + " hook #" + i + " (" + h.path() + ")";
      try {
        HookRunner.Result r =
            HookRunner.run(
                new HookRunner.Hook(
                    cmd, env, null, stateJson.getBytes(StandardCharsets.UTF_8), timeout),
                (stream, line) -> {
                  if (stream == HookRunner.Stream.STDERR) { // stdout is the runtime's own
                    System.err.println(line);
                  }
                });
        if (r.timedOut()) {
          throw new OciException(which + ": timed out after " + h.timeout() + "s");
        }
        if (r.exitCode() != 0) {
          throw new OciException(which + ": exit status " + r.exitCode());
        }
      } catch (IOException e) {
        throw new OciException(which + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OciException(kind + " hook #" + i + ": interrupted");
      }
    }
  }
}
