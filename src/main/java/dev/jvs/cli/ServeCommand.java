package dev.jvs.cli;

import dev.jvs.api.ApiServer;
import dev.jvs.api.Event;
import dev.jvs.api.ListenAddress;
import dev.jvs.guest.BootId;
import dev.jvs.guest.BootSequence;
import dev.jvs.guest.Guests;
import dev.jvs.guest.JvsDirs;
import dev.jvs.guest.config.Values;
import dev.jvs.oci.cli.OciMain;
import dev.jvs.sched.Lxcfs;
import dev.jvs.sched.MemoryBudget;
import dev.jvs.sched.Service;
import dev.jvs.sched.Watchdog;
import dev.jvs.serve.JvsService;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    description = {
      "Run the jvs service (REST API, scheduler, watchdog) in the foreground.",
      "It is the warm runtime for jvs and jvs-oci on $JVS_RUN/jvs.sock (or the socket",
      "systemd passes), the CPU scheduler (reservations), memory.anon, the overbooking",
      "watchdog and lxcfs for guest-local views.",
      "Guests and containers keep running without it."
    })
final class ServeCommand extends Verb implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--tick", defaultValue = "500ms", description = "how often it looks")
  String tick;

  @Option(
      names = "--min-available",
      defaultValue = "256M",
      description = "watchdog threshold of available memory")
  String minAvailable;

  @Option(
      names = "--budget-cgroup",
      description = "guard this memory cgroup directory's limit instead of the host's memory")
  Path budgetCgroup;

  @Option(names = "--no-lxcfs", description = "do not start lxcfs")
  boolean noLxcfs;

  @Option(
      names = "--socket",
      description =
          "the service's unix socket (default $JVS_RUN/jvs.sock; with socket"
              + " activation, the one systemd passes)")
  Path socket;

  @Option(
      names = "--listen",
      paramLabel = "ADDR:PORT",
      description =
          "also serve the REST API on HTTPS there, for trusted clients only (jvs trust add)")
  String listen;

  @Option(
      names = "--group",
      paramLabel = "GROUP",
      description =
          "make the socket mode 0660 for root and GROUP (e.g. jvs), whose members may then use"
              + " the REST API on it; the jvs client's verbs stay root's")
  String group;

  @Option(
      names = "--stop-lxcfs",
      description =
          "unmount and end jvs's lxcfs instance of this JVS_RUN, then exit (guests"
              + " started with it lose their guest-local /proc view)")
  boolean stopLxcfs;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    JvsDirs dirs = caller.dirs();
    Guests guests = guests();
    if (stopLxcfs) {
      new Lxcfs(dirs.run()).stop();
      return 0;
    }
    java.net.InetSocketAddress address = ListenAddress.parse(listen); // before anything starts
    Consumer<String> log =
        line -> {
          synchronized (out) {
            out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + line);
            out.flush();
          }
        };
    try {
      // The watchdog must be the last thing the kernel's OOM killer would pick.
      java.nio.file.Files.writeString(Path.of("/proc/self/oom_score_adj"), "-1000");
    } catch (java.io.IOException e) {
      log.accept("cannot set oom_score_adj: " + e.getMessage());
    }
    // The socket first (a second service is refused before it touches anything), lxcfs next (a
    // guest started by the first call gets its views), then calls are taken.
    JvsService warm =
        JvsService.open(
            socket != null ? caller.path(socket.toString()) : dirs.run().resolve("jvs.sock"),
            caller.env(),
            dirs,
            caller.runtime(),
            Map.of("jvs", Main::run, "jvs-oci", OciMain::run),
            group,
            log);
    ApiServer api = null;
    try {
      api =
          ApiServer.start(
              guests,
              caller.runtime().cgroups(),
              address,
              Values.duration(tick),
              caller.env(),
              log);
      warm.relayHttpTo(api.socket());
      log.accept(
          "REST API on "
              + warm.socket()
              + (listen == null
                  ? ""
                  : " and https://"
                      + listen
                      + " (certificate SHA-256 "
                      + api.certificateFingerprint()
                      + ")"));
      if (!noLxcfs) {
        log.accept(new Lxcfs(dirs.run()).ensure());
      }
      warm.start();
      log.accept(
          "jvs and jvs-oci calls on "
              + warm.socket()
              + (warm.activated() ? " (passed by systemd)" : ""));
      if (BootId.firstSinceBoot(dirs)) { // not on a restart: guests stopped by hand stay so
        Thread.ofPlatform()
            .name("jvs-autostart")
            .daemon()
            .start(
                () -> {
                  log.accept("first start since boot: starting the autostart guests");
                  try {
                    int failed = new BootSequence(guests, log).startAll();
                    log.accept("autostart: done" + (failed == 0 ? "" : ", " + failed + " failed"));
                  } catch (InterruptedException e) {
                    log.accept("autostart: interrupted");
                  }
                });
      }
      MemoryBudget budget =
          budgetCgroup == null
              ? new MemoryBudget.Host()
              : new MemoryBudget.CgroupScoped(budgetCgroup);
      Service service =
          new Service(
              guests,
              caller.runtime().cgroups(),
              budget,
              new Watchdog(Values.size(minAvailable)),
              log);
      ApiServer feed = api;
      service.onReset(
          r ->
              feed.publish(
                  new Event(
                      java.time.Instant.now(),
                      r.guest(),
                      "watchdog-reset",
                      Map.of("action", r.restart() ? "restart" : "stop", "reason", r.reason()))));
      Thread main = Thread.currentThread();
      java.lang.Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    service.close();
                    main.interrupt();
                    warm.close(
                        Duration.ofSeconds(10)); // requests under way get that long to finish
                  }));
      service.run(Values.duration(tick));
    } finally {
      warm.close();
      if (api != null) {
        api.close();
      }
    }
    log.accept("stopped; guests keep running");
    return 0;
  }
}
