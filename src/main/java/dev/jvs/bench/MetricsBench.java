package dev.jvs.bench;

import dev.jvs.api.ApiServer;
import dev.jvs.cgroup.CgroupDriver;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.Guests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How long a Prometheus scrape of GET /1.0/metrics takes with N idle guests running: the REST API
 * in this JVM, scraped over its unix socket as a local Prometheus (or the service's relay) would.
 */
public final class MetricsBench {
  /**
   * What one run measured: scrape times in milliseconds, the CPU time this process spent on each
   * (the API runs in it), the size of one scrape and the 1-minute load average after the scrapes.
   */
  public record Result(
      int guests, double[] millis, double[] cpuMillis, int bytes, long series, String load) {
    public double median() {
      return Quartiles.of(millis).median();
    }

    public double cpuMedian() {
      return Quartiles.of(cpuMillis).median();
    }

    public double p90() {
      double[] s = millis.clone();
      Arrays.sort(s);
      return s[(int) Math.ceil(0.9 * s.length) - 1];
    }
  }

  /** `jvs serve`'s default --tick: the event watcher looks at the guests this often. */
  private static final Duration SERVICE_TICK = Duration.ofMillis(500);

  private final BenchHost host;
  private final Consumer<String> progress;

  public MetricsBench(BenchHost host, Consumer<String> progress) {
    this.host = host;
    this.progress = progress;
  }

  /** Starts {@code count} idle guests, times {@code scrapes} scrapes, deletes the guests. */
  public Result run(int count, int scrapes) throws InterruptedException {
    Guests guests = host.guests();
    List<GuestName> names = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      names.add(GuestName.of(String.format("met%04d", i)));
    }
    progress.accept("building " + count + " busybox guests");
    try {
      for (GuestName name : names) {
        host.checkOpen();
        guests.build(name, "busybox");
      }
      progress.accept("starting " + count + " system guests");
      for (int i = 0; i < names.size(); i++) {
        host.checkOpen();
        guests.start(names.get(i), List.of(), Guests.Attach.DETACHED);
        if ((i + 1) % 100 == 0) {
          progress.accept("started " + (i + 1));
        }
      }
      try (ApiServer api =
          ApiServer.start(
              guests, CgroupDriver.detect(), null, SERVICE_TICK, Map.of(), line -> {})) {
        progress.accept("scraping " + scrapes + " times (after 3 to warm up)");
        String first = "";
        for (int i = 0; i < 3; i++) {
          first = scrape(api.socket());
        }
        long series = first.lines().filter(l -> l.contains("guest=\"")).count();
        double[] millis = new double[scrapes];
        double[] cpuMillis = new double[scrapes];
        for (int i = 0; i < scrapes; i++) {
          host.checkOpen();
          Thread.sleep(SERVICE_TICK.multipliedBy(2)); // as Prometheus, not back to back
          long cpu0 = ProcessCpu.nanos();
          long t0 = System.nanoTime();
          scrape(api.socket());
          millis[i] = (System.nanoTime() - t0) / 1e6;
          cpuMillis[i] = (ProcessCpu.nanos() - cpu0) / 1e6;
        }
        return new Result(count, millis, cpuMillis, first.length(), series, HostLoad.oneMinute());
      }
    } finally {
      progress.accept("stopping and deleting " + count + " guests");
      for (GuestName name : names) {
        try {
          guests.delete(name, true);
        } catch (RuntimeException e) {
          progress.accept(name + ": " + e.getMessage()); // never built: nothing to delete
        }
      }
    }
  }

  /** One GET /1.0/metrics over HTTP/1.0; its whole body. */
  static String scrape(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer request =
          ByteBuffer.wrap(
              "GET /1.0/metrics HTTP/1.0\r\nHost: jvs\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      while (request.hasRemaining()) {
        ch.write(request);
      }
      InputStream in = Channels.newInputStream(ch);
      String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!reply.startsWith("HTTP/1.1 200") && !reply.startsWith("HTTP/1.0 200")) {
        throw new IllegalStateException("scrape: " + reply.lines().findFirst().orElse(""));
      }
      return reply.substring(reply.indexOf("\r\n\r\n") + 4);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
