package dev.jvs.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.base.JvsException;
import dev.jvs.testing.TestHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** 20 concurrent starts and stops, of different guests and of one guest (issue 2, acceptance 7). */
@Tag("kernel")
class ConcurrencyKernelTest {

  @Test
  void concurrentStartStopNeverCorruptsState() throws Exception {
    try (TestHost host = new TestHost()) {
      for (int i = 0; i < 10; i++) {
        host.guests().build(GuestName.of("g" + i), "busybox");
      }
      host.guests().build(GuestName.of("shared"), "busybox");
      ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 20; t++) {
        GuestName name = t < 10 ? GuestName.of("g" + t) : GuestName.of("shared");
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (int round = 0; round < 3; round++) {
                        try {
                          host.guests().start(name, List.of(), Guests.Attach.DETACHED);
                        } catch (JvsException e) {
                          if (!e.getMessage().equals(name + ": already running")) {
                            unexpected.add(e);
                          }
                        } catch (Throwable e) {
                          unexpected.add(e);
                        }
                        try {
                          host.guests().stop(name, Duration.ZERO);
                        } catch (JvsException e) {
                          if (!e.getMessage().equals(name + ": not running")) {
                            unexpected.add(e);
                          }
                        } catch (Throwable e) {
                          unexpected.add(e);
                        }
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(unexpected).isEmpty();
      for (GuestStatus s : host.guests().list()) {
        assertThat(s.state()).as(s.name()).isEqualTo(GuestStatus.State.STOPPED);
      }
      // Every guest still starts and works after the storm.
      GuestName shared = GuestName.of("shared");
      host.guests().start(shared, List.of(), Guests.Attach.DETACHED);
      assertThat(host.exec(shared, "true").code()).isZero();
    }
  }
}
