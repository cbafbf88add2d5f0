package dev.jvs.cgroup;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for kernel state that offers nothing cheaper to wait on than re-reading a file. */
final class Polling {
  private Polling() {}

  /** True when {@code done} became true before {@code timeout}; checks at least once. */
  static boolean await(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long sleepMillis = 1;
    while (true) {
      if (done.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(sleepMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return done.getAsBoolean();
      }
      sleepMillis = Math.min(sleepMillis * 2, 50);
    }
  }
}
