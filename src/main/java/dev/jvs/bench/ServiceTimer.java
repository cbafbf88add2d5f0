package dev.jvs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Times jvs verbs as a user types them: ./jvs (jvs-client) handing the call to a warm `jvs serve`
 * on this run's JVS_ROOT. Only when running from the jar with jvs-client beside jvs-init.
 */
final class ServiceTimer implements AutoCloseable {
  private static final int TIMED = 5;

  private final WarmService service;
  private final HostCommands commands;
  private final Path client;

  private ServiceTimer(WarmService service, HostCommands commands, Path client) {
    this.service = service;
    this.commands = commands;
    this.client = client;
  }

  static Optional<ServiceTimer> start(BenchHost host, Consumer<String> progress) {
    Optional<JvmCli> cli = JvmCli.ofRunningJar(host.initBinary());
    Path client = host.initBinary().resolveSibling("jvs-client");
    if (cli.isEmpty() || !Files.isExecutable(client)) {
      return Optional.empty();
    }
    progress.accept("starting jvs serve");
    WarmService service =
        WarmService.start(
            cli.get(), host.dirs().root(), host.dirs().run(), host.scratch().resolve("serve.log"));
    host.onClose(service::close);
    Map<String, String> env =
        Map.of(
            "JVS_ROOT", host.dirs().root().toString(),
            "JVS_RUN", host.dirs().run().toString(),
            "JVS_SOCKET", service.socket().toString());
    return Optional.of(
        new ServiceTimer(
            service, new HostCommands(env, host.scratch().resolve("client-stderr.log")), client));
  }

  /**
   * Median wall time of `jvs VERB` over a few runs after one warm-up, in milliseconds; NaN when the
   * service did not serve them all (the client fell back to a cold JVM, which times something
   * else).
   */
  double medianMillis(String verb) {
    long servedBefore = service.requestsServed("jvs");
    long[] nanos = new long[TIMED];
    for (int i = -1; i < TIMED; i++) {
      long t0 = System.nanoTime();
      try {
        commands.run(List.of(client.toString(), verb));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new dev.jvs.base.JvsException("jvs " + verb + ": interrupted");
      }
      if (i >= 0) {
        nanos[i] = System.nanoTime() - t0;
      }
    }
    if (service.requestsServed("jvs") - servedBefore < TIMED + 1) {
      return Double.NaN;
    }
    return Quartiles.median(nanos) / 1e6;
  }

  @Override
  public void close() {
    service.close();
  }
}
