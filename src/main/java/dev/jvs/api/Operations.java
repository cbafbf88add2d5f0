package dev.jvs.api;

import dev.jvs.base.JvsException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The API's long actions (start, stop, restart, build, clone, delete, template build and import),
 * each run as an operation with an id: a caller may wait for it in its request (the default) or
 * take a 202 with /1.0/operations/ID and poll or wait there. Platform threads, as the service's:
 * actions block in flock(2) and FFM calls. The last {@value #KEPT} finished operations are kept.
 */
final class Operations implements AutoCloseable {
  static final int KEPT = 200;

  /** One action: what it is, when it began and how it ended (the reply the request would get). */
  static final class Operation {
    final String id = UUID.randomUUID().toString();
    final String description;
    final Instant created = Instant.now();
    final CompletableFuture<Reply> result = new CompletableFuture<>();
    volatile Instant finished;

    Operation(String description) {
      this.description = description;
    }

    String url() {
      return "/1.0/operations/" + id;
    }

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("description", description);
      m.put("created_at", created.toString());
      if (!result.isDone()) {
        m.put("status", "running");
        return m;
      }
      m.put("finished_at", String.valueOf(finished));
      try {
        Reply r = result.getNow(null);
        m.put("status", "success");
        m.put("status_code", r.status());
        m.put("result", r.body());
      } catch (java.util.concurrent.CompletionException e) {
        m.put("status", "failure");
        m.put("status_code", statusOf(e.getCause()));
        m.put("error", ErrorStatus.line(e.getCause().getMessage()));
      }
      return m;
    }
  }

  private final ExecutorService threads =
      Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("jvs-api-op-", 0).factory());
  private final Map<String, Operation> all = new LinkedHashMap<>();
  private final Consumer<String> log;
  private final Runnable changed; // an action ended: what was looked at may be out of date

  Operations(Consumer<String> log, Runnable changed) {
    this.log = log;
    this.changed = changed;
  }

  /** A change that was no operation (a config patch): what was looked at is out of date. */
  void changed() {
    changed.run();
  }

  /** Starts {@code action} as a new operation. */
  Operation submit(String description, Supplier<Reply> action) {
    Operation op = new Operation(description);
    synchronized (all) {
      all.put(op.id, op);
      forgetOldest();
    }
    threads.execute(
        () -> {
          try {
            Reply r = action.get();
            op.finished = Instant.now();
            changed.run();
            op.result.complete(r);
          } catch (RuntimeException | Error e) {
            op.finished = Instant.now();
            changed.run();
            if (!(e instanceof ApiException) && !(e instanceof JvsException)) {
              log.accept("operation " + description + ": internal error: " + e);
            }
            op.result.completeExceptionally(e);
          }
        });
    return op;
  }

  /**
   * Runs {@code action} as an operation: with {@code async} answers 202 and where to find it, else
   * waits and answers as the action does (its reply, or its error as the synchronous call's).
   */
  Reply run(boolean async, String description, Supplier<Reply> action) {
    Operation op = submit(description, action);
    if (async) {
      return Reply.json(202, Map.of("operation", op.url(), "id", op.id));
    }
    try {
      return op.result.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "interrupted while waiting for " + description);
    }
  }

  Operation get(String id) {
    synchronized (all) {
      Operation op = all.get(id);
      if (op == null) {
        throw new ApiException(404, "no such operation: " + ErrorStatus.line(id));
      }
      return op;
    }
  }

  List<Map<String, Object>> list() {
    List<Operation> copy;
    synchronized (all) {
      copy = new ArrayList<>(all.values());
    }
    return copy.stream().map(Operation::json).toList();
  }

  /** Waits up to {@code timeout} for {@code op} to end; answers it as it is then. */
  static Map<String, Object> await(Operation op, Duration timeout) {
    try {
      op.result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // still running, or failed: both are in its JSON
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return op.json();
  }

  private void forgetOldest() {
    long finished = all.values().stream().filter(o -> o.result.isDone()).count();
    var it = all.values().iterator();
    while (finished > KEPT && it.hasNext()) {
      if (it.next().result.isDone()) {
        it.remove();
        finished--;
      }
    }
  }

  private static int statusOf(Throwable e) {
    if (e instanceof ApiException a) {
      return a.status();
    }
    if (e instanceof JvsException j) {
      return ErrorStatus.of(j);
    }
    return 500;
  }

  @Override
  public void close() {
    threads.shutdown(); // actions under way finish (or end with the JVM)
  }
}
