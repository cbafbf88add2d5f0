package dev.jvs.base;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a command's time goes: phases marked along the path of a start or exec, kept per thread
 * while {@link #begin()} has been called on it (`jvs bench start --breakdown`), otherwise free.
 */
public final class Trace {
  /** One phase: its name and how long it took since the previous mark. */
  public record Phase(String name, long nanos) {}

  private static final ThreadLocal<List<Phase>> PHASES = new ThreadLocal<>();
  private static final ThreadLocal<long[]> LAST = new ThreadLocal<>();

  private Trace() {}

  /** Starts recording on this thread. */
  public static void begin() {
    PHASES.set(new ArrayList<>());
    LAST.set(new long[] {System.nanoTime()});
  }

  /** Ends the phase {@code name} here, if this thread records. */
  public static void mark(String name) {
    List<Phase> phases = PHASES.get();
    if (phases != null) {
      long now = System.nanoTime();
      phases.add(new Phase(name, now - LAST.get()[0]));
      LAST.get()[0] = now;
    }
  }

  /** Stops recording on this thread and returns the phases. */
  public static List<Phase> end() {
    List<Phase> phases = PHASES.get();
    PHASES.remove();
    LAST.remove();
    return phases == null ? List.of() : phases;
  }
}
