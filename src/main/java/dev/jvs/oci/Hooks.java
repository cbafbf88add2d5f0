package dev.jvs.oci;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().clear();
      for (String e : h.env() == null ? List.<String>of() : h.env()) {
        int eq = e.indexOf('=');
        if (eq > 0) {
          pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
      }
      try {
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
          in.write(stateJson.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
          // a hook need not read its stdin
        }
        long timeout = h.timeout() == null ? Long.MAX_VALUE : h.timeout();
        if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          throw new OciException(
              kind + " hook #" + i + " (" + h.path() + "): timed out after " + timeout + "s");
        }
        if (p.exitValue() != 0) {
          throw new OciException(
              kind + " hook #" + i + " (" + h.path() + "): exit status " + p.exitValue());
        }
      } catch (IOException e) {
        throw new OciException(kind + " hook #" + i + " (" + h.path() + "): " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OciException(kind + " hook #" + i + ": interrupted");
      }
    }
  }
}
