package dev.jvs.serve;

import dev.jvs.kernel.Libc;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Passes the signals a terminal sends its foreground job (Ctrl-C, hang-up, a resized window) on to
 * an exec's monitor, which is the guest monitor's child and not in this job (docs/launch-
 * program.md, `exec-socket`). sun.misc.Signal is reached by reflection: javac warns about it by
 * name on every build, and it stays supported (module jdk.unsupported).
 */
final class SignalRelay {
  private static final Map<String, Integer> SIGNALS =
      Map.of("HUP", 1, "INT", 2, "QUIT", 3, "TERM", 15, "WINCH", 28);

  private SignalRelay() {}

  static void to(long pid) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      for (Map.Entry<String, Integer> s : SIGNALS.entrySet()) {
        Object relay =
            Proxy.newProxyInstance(
                handler.getClassLoader(),
                new Class<?>[] {handler},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "handle" -> {
                        Libc.kill((int) pid, s.getValue());
                        yield null;
                      }
                      case "hashCode" -> System.identityHashCode(proxy);
                      case "equals" -> proxy == args[0];
                      default -> "relay of SIG" + s.getKey() + " to " + pid;
                    });
        signal
            .getMethod("handle", signal, handler)
            .invoke(null, signal.getConstructor(String.class).newInstance(s.getKey()), relay);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // A JVM without sun.misc.Signal: the exec still runs; the terminal's signals stay ours.
    }
  }
}
