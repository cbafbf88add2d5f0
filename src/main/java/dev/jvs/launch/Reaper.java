package dev.jvs.launch;

import dev.jvs.kernel.Libc;
import dev.jvs.kernel.Pidfd;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Reaps the monitors this process spawned and let go (detached guests'), once they exit: one daemon
 * thread polling their pidfds, so a long-lived service gathers no zombies and needs no thread per
 * guest.
 */
final class Reaper {
  static final Reaper INSTANCE = new Reaper();

  /** How soon a monitor handed over joins the poll (it runs a guest: it rarely ends at once). */
  private static final int REPOLL_MILLIS = 500;

  private final LinkedBlockingQueue<Pidfd> handedOver = new LinkedBlockingQueue<>();

  private Reaper() {
    Thread.ofPlatform().daemon().name("jvs-init reaper").start(this::run);
  }

  void watch(Pidfd monitor) {
    handedOver.add(monitor);
  }

  private void run() {
    List<Pidfd> watched = new ArrayList<>();
    while (true) {
      try {
        if (watched.isEmpty()) {
          watched.add(handedOver.take());
        }
        handedOver.drainTo(watched);
        int[] fds = watched.stream().mapToInt(Pidfd::fd).toArray();
        boolean[] ended = Libc.pollIn(fds, REPOLL_MILLIS);
        for (int i = ended.length - 1; i >= 0; i--) {
          if (ended[i]) {
            Pidfd p = watched.remove(i);
            p.reap(true);
            p.close();
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // a pidfd that cannot be polled or reaped (never ours): the next round polls the rest
      }
    }
  }
}
