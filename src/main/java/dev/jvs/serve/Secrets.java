package dev.jvs.serve;

import java.util.ArrayList;
import java.util.List;

/** A request's arguments as the service's log shows them: a token's value never. */
final class Secrets {
  private static final String TOKEN = "--token";
  private static final String MASK = "***";

  private Secrets() {}

  /** {@code args} with the value of each {@code --token V} and {@code --token=V} masked. */
  static List<String> masked(List<String> args) {
    List<String> shown = new ArrayList<>(args.size());
    boolean value = false;
    for (String a : args) {
      if (value) {
        shown.add(MASK);
        value = false;
      } else if (a.equals(TOKEN)) {
        shown.add(a);
        value = true;
      } else if (a.startsWith(TOKEN + "=")) {
        shown.add(TOKEN + "=" + MASK);
      } else {
        shown.add(a);
      }
    }
    return shown;
  }
}
