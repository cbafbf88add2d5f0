package dev.jvs.bench;

import dev.jvs.base.JvsException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Instances of PostgreSQL 15 on one system (native processes, jvs guests or runc containers), each
 * with its own cluster copied from one seed: started one after the other, then benchmarked all at
 * once by a pgbench inside each (as the paper ran OSDB inside each VM), then stopped and removed.
 */
abstract class PgFleet implements AutoCloseable {
  private final String system;
  private int started;

  PgFleet(String system) {
    this.system = system;
  }

  String system() {
    return system;
  }

  /** Brings up instances 0..count-1 and waits until every one accepts connections. */
  final void start(int count) {
    for (int i = started; i < count; i++) {
      startOne(i);
      started = i + 1;
    }
    for (int i = 0; i < count; i++) {
      awaitReady(i);
    }
  }

  /** Runs a pgbench against each of the first {@code count} instances at the same time. */
  final PgResult benchAll(int count, int seconds, int clients) {
    List<Thread> threads = new ArrayList<>();
    String[] outputs = new String[count];
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    for (int i = 0; i < count; i++) {
      int n = i;
      // a fresh platform thread each: a launch may enter namespaces, never on a pooled thread
      threads.add(
          Thread.ofPlatform()
              .name("jvs-pgbench-" + system + "-" + i)
              .start(
                  () -> {
                    try {
                      outputs[n] = bench(n, seconds, clients);
                    } catch (RuntimeException e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JvsException(system + " pgbench: interrupted");
      }
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return PgResult.merge(List.of(outputs));
  }

  int started() {
    return started;
  }

  /** Starts instance {@code i}'s server; it need not accept connections yet. */
  abstract void startOne(int i);

  abstract void awaitReady(int i);

  /** Runs the script's bench step in instance {@code i}; returns its output. */
  abstract String bench(int i, int seconds, int clients);

  /**
   * Deletes a fleet's host directory once its instances are gone; never while anything is mounted
   * below it (a bind source is not, but a mistake must not become a recursive delete through a
   * mount).
   */
  static void removeUnmounted(java.nio.file.Path dir) {
    List<String> mounts = BenchHost.mountsUnder(dir);
    if (!mounts.isEmpty()) {
      throw new JvsException(dir + ": still mounted below it: " + mounts + "; not deleting it");
    }
    dev.jvs.image.Trees.deleteIfExists(dir);
  }

  /** Stops and removes every instance; safe to call twice (a shutdown hook may too). */
  @Override
  public abstract void close();
}
