package dev.jvs.api;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Passes events to every subscriber (an events stream), each through a bounded queue: a subscriber
 * that stops reading loses its oldest events, never holds up the service.
 */
public final class EventBus {
  private static final int QUEUE = 1024;

  private final CopyOnWriteArrayList<BlockingQueue<Event>> subscribers =
      new CopyOnWriteArrayList<>();
  private volatile Runnable beforeSubscribe = () -> {};

  /** Runs before each subscription is made (the watcher takes its baseline look there). */
  void beforeSubscribe(Runnable r) {
    beforeSubscribe = r;
  }

  public void publish(Event e) {
    for (BlockingQueue<Event> q : subscribers) {
      while (!q.offer(e)) {
        q.poll(); // full: drop the oldest
      }
    }
  }

  /** A new subscription; {@link #unsubscribe} it when done. */
  BlockingQueue<Event> subscribe() {
    beforeSubscribe.run();
    BlockingQueue<Event> q = new ArrayBlockingQueue<>(QUEUE);
    subscribers.add(q);
    return q;
  }

  void unsubscribe(BlockingQueue<Event> q) {
    subscribers.remove(q);
  }

  int subscribers() {
    return subscribers.size();
  }
}
