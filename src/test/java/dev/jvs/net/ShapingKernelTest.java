package dev.jvs.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.bench.net.HostBinaries;
import dev.jvs.bench.net.Iperf;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import dev.jvs.testing.TestHost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * HTB egress shaping (issue 3, acceptance 4) with looser bounds than the benchmark's: the HTB tree
 * shares 200mbit, iperf3 runs in the guests against the outside host.
 */
@Tag("kernel")
class ShapingKernelTest {
  private static final int SECONDS = 4;

  @Test
  void equalSplitReservationAndCeilHold() throws Exception {
    try (TestHost host = new TestHost()) {
      OutsideHost.useOwnSubnet(host, "bandwidth = 200mbit\n");
      try (OutsideHost out = new OutsideHost(host)) {
        out.startIperfServer(5201);
        out.startIperfServer(5202);
        GuestName a = shaped(host, "sha", Map.of("net.rate", "20mbit"));
        GuestName b = shaped(host, "shb", Map.of("net.rate", "20mbit"));

        double[] equal = together(host, out, a, b);
        assertThat(equal[0] / equal[1])
            .as("equal rates split evenly: %s", List.of(equal[0], equal[1]))
            .isBetween(0.75, 1.33);
        assertThat(equal[0] + equal[1]).as("the tree's bandwidth is used").isBetween(140.0, 230.0);

        restart(host, a, Map.of("net.rate", "150mbit"));
        double[] reserved = together(host, out, a, b);
        assertThat(reserved[0])
            .as("a 150mbit reservation under contention: %s", List.of(reserved[0], reserved[1]))
            .isGreaterThan(150 * 0.85);

        host.guests().stop(b, Duration.ZERO);
        restart(host, a, Map.of("net.rate", "10mbit", "net.ceil", "50mbit"));
        double alone = run(host, out, a, 5201);
        assertThat(alone).as("ceil 50mbit").isBetween(50 * 0.7, 50 * 1.1);
      }
    }
  }

  private static GuestName shaped(TestHost host, String name, Map<String, String> keys) {
    GuestName g = GuestName.of(name);
    host.guests().build(g, "busybox");
    HostBinaries.install(host.dirs().guest(g).resolve("upper"), "/usr/bin/iperf3");
    host.guests().set(g, Map.of("net.mode", "bridge"));
    host.guests().set(g, keys);
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
    return g;
  }

  private static void restart(TestHost host, GuestName g, Map<String, String> keys) {
    host.guests().stop(g, Duration.ZERO);
    host.guests().set(g, keys);
    host.guests().start(g, List.of(), Guests.Attach.DETACHED);
  }

  /** Mbit/s of a and b sending at the same time. */
  private static double[] together(TestHost host, OutsideHost out, GuestName a, GuestName b)
      throws Exception {
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      CompletableFuture<Double> fa =
          CompletableFuture.supplyAsync(() -> run(host, out, a, 5201), pool);
      CompletableFuture<Double> fb =
          CompletableFuture.supplyAsync(() -> run(host, out, b, 5202), pool);
      return new double[] {fa.get(), fb.get()};
    }
  }

  private static double run(TestHost host, OutsideHost out, GuestName g, int port) {
    TestHost.Run r =
        host.exec(
            g,
            "iperf3",
            "-J",
            "-c",
            out.address(),
            "-p",
            Integer.toString(port),
            "-t",
            Integer.toString(SECONDS));
    return Iperf.parse(r.output()).mbit();
  }
}
